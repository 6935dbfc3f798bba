// A start that is still waiting after a while says so: one line on stderr after 5 s, then every
// 5 s — the service, how long it waited of its timeout, the probe's last result — so a slow
// suite is not a silent one. MIRAKURU_PROGRESS=0 turns it off; MIRAKURU_PROGRESS=DURATION
// ("500ms", "2s") sets the interval.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mirakuru::detail {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  Progress(Clock::time_point started, std::chrono::milliseconds timeout)
      : Progress(started, timeout, interval()) {}
  Progress(Clock::time_point started, std::chrono::milliseconds timeout,
           std::chrono::milliseconds interval);

  // When the next line is due (time_point::max() when progress is off).
  Clock::time_point next() const { return next_; }
  // Prints the line if it is due.
  void report(Clock::time_point now, std::string_view service, std::string_view last_check);

  // MIRAKURU_PROGRESS, read once: zero means off.
  static std::chrono::milliseconds interval();

 private:
  Clock::time_point started_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds interval_;
  Clock::time_point next_;
};

}  // namespace mirakuru::detail
