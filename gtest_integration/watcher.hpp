// The test listener that notices services dying while tests run and prints the services'
// log tails when a test fails.
#pragma once

namespace mirakuru::gtest::detail {

// Appends the listener to GoogleTest's listeners once (GoogleTest owns and deletes it).
void ensure_watcher();

}  // namespace mirakuru::gtest::detail
