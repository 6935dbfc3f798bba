// How a process is stopped: computed in one place (make_stop_plan), with every duration
// saturated, for stop(), kill(), destructors and the termination handler alike.
#pragma once

#include <chrono>
#include <optional>

#include "mirakuru/options.hpp"
#include "process/guardian_protocol.hpp"

namespace mirakuru::detail {

struct StopPlan {
  int stop_signal = SIGTERM;
  int kill_signal = SIGKILL;
  // Before kill_signal; >= 0. milliseconds::max() means "no limit": wait for ever.
  std::chrono::milliseconds grace{0};

  // The record that asks a guardian to run this plan.
  ControlMessage message() const;
  // By when the guardian must have finished, counted from `start`: its two graces (stop_signal,
  // then kill_signal when that is not SIGKILL) and one margin for the final SIGKILL rounds,
  // saturated. Only a guardian killed from outside misses it.
  std::chrono::steady_clock::time_point deadline_from(
      std::chrono::steady_clock::time_point start) const;
};

// The plan for `options`: `sig` (default Options::stop_signal) first, then kill_signal after
// stop_timeout (default: timeout). SIGKILL first has no grace; a negative duration is 0.
StopPlan make_stop_plan(const Options& options, std::optional<int> sig = {});

// start + d, saturated at time_point::max(); d <= 0 gives start.
std::chrono::steady_clock::time_point saturated_deadline(
    std::chrono::steady_clock::time_point start, std::chrono::milliseconds d);

}  // namespace mirakuru::detail
