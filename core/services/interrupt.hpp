// Interrupting services whose start() is in progress in another thread, when a sibling failed.
//
// Executor::start() cannot be cancelled, and reading an executor's pid() while another thread is
// inside its start() would race with start() publishing the process. So every service carries
// an environment marker (MIRAKURU_SERVICE=<token>, inherited by its children and its setup
// commands), and the processes that carry it are found through /proc. Killing them makes the
// waiting start() return at once with ProcessExitedWithError (which is then discarded).
#pragma once

#include <string>
#include <vector>

namespace mirakuru::detail {

inline constexpr const char* kServiceMarker = "MIRAKURU_SERVICE";

// A marker value unique to this process, service set and service.
std::string service_marker(unsigned set_sequence, const std::string& service);

// Sends SIGKILL to every process of this user whose environment holds one of `markers`.
// Returns how many processes were signalled. Never throws.
int kill_marked_processes(const std::vector<std::string>& markers) noexcept;

}  // namespace mirakuru::detail
