// --gtest_repeat and the global environments: which iteration runs, and whether the environments'
// TearDown now running is the run's last. The watcher (a listener) records the iteration; the
// scopes read it — neither needs the other.
#pragma once

namespace mirakuru::gtest::detail {

void set_current_iteration(int iteration);

// True when the global environments' TearDown now running is the run's last one (no further
// SetUp follows: not recreating them, or the last --gtest_repeat iteration).
bool last_environment_teardown();

}  // namespace mirakuru::gtest::detail
