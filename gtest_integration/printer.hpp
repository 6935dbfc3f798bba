// GoogleTest's result printer without one line: the empty "Skipped" GoogleTest reports under
// each test after a fatal failure of the global set-up — which the watcher has already failed,
// with the reason. One clear FAILED per test, as the guide says.
#pragma once

#include <gtest/gtest.h>

namespace mirakuru::gtest::detail {

// Puts a wrapper of the default result printer at the end of `listeners` in its place. Does
// nothing when there is no default printer (released by the user). Call once, before appending
// listeners whose *End events must come before the printer's.
void wrap_result_printer(::testing::TestEventListeners& listeners);

}  // namespace mirakuru::gtest::detail
