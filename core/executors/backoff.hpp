// The polling schedule of the readiness probes that cannot be woken by an event.
#pragma once

#include <algorithm>
#include <chrono>

namespace mirakuru::detail {

// How long to wait before the next check: an eighth of the time waited so far, at least
// `initial`, at most `max`.
//
// Why proportional rather than doubling: a check that lands after the service became ready costs
// on average half an interval. With doubling, the interval at time T is about T, so a server that
// listens 3 ms after spawn is seen ~1.5 ms late. With T/8 the expected lateness is T/16 — 0.1 ms
// for that server, 3 ms for one that takes 50 ms — while the number of checks still grows only
// logarithmically (8 x ln(T / 8 initial) after the first 8): ~40 checks in the first 100 ms with
// the defaults, each a refused connect of ~20 us, then one per `max`.
//
// reset() restarts the clock (used when the process writes output: servers log when they come
// up, so that is when a check is most likely to succeed).
class Backoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kRatio = 8;

  Backoff(std::chrono::microseconds initial, std::chrono::microseconds max,
          Clock::time_point since = Clock::now())
      : initial_(std::max(initial, std::chrono::microseconds(1))),
        max_(std::max(max, initial_)),
        since_(since) {}

  std::chrono::microseconds next(Clock::time_point now = Clock::now()) const {
    auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - since_);
    return std::clamp(waited / kRatio, initial_, max_);
  }
  void reset(Clock::time_point now = Clock::now()) { since_ = now; }

 private:
  std::chrono::microseconds initial_;
  std::chrono::microseconds max_;
  Clock::time_point since_;
};

}  // namespace mirakuru::detail
