// The test listener that notices services dying while tests run and prints the services'
// log tails when a test fails.
#pragma once

namespace mirakuru::gtest::detail {

// Appends the listener to GoogleTest's listeners once (GoogleTest owns and deletes it).
void ensure_watcher();

// True when the global environments' TearDown now running is the run's last one (no further
// SetUp follows: not recreating them, or the last --gtest_repeat iteration).
bool last_environment_teardown();

}  // namespace mirakuru::gtest::detail
