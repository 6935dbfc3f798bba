// The tests on the run's timeline (track "tests"), and the end of the run: the trace file
// written, the summary printed (--mirakuru_trace, --mirakuru_summary; <mirakuru/timeline.hpp>).
#pragma once

namespace mirakuru::gtest::detail {

// Appends the listener once, if the timeline is on (GoogleTest owns and deletes it).
void ensure_timeline_listener();

}  // namespace mirakuru::gtest::detail
