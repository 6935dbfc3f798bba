// The polling schedules of the readiness probes that cannot be woken by an event: the backoff of
// custom probes, and the pacing of checks that reach the application.
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

// Pacing of checks that reach the application (an HTTP request, a check command): they land in
// its logs and cost it work, so the service, not the waiter, sets the budget. The first goes
// ahead at once (a service that is up when it accepts is seen without delay), the next one
// kFirst later, the interval doubling up to kMax. A check asked sooner — woken by the service's
// output, which a request itself may cause — goes ahead only once min(interval, kEarly) has
// passed since the last one: whatever the service logs, at most 1 s / kEarly checks a second
// (~44 in the first 2 s) reach it; silent, ~24 in the first 2 s.
class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirst{5};
  static constexpr std::chrono::milliseconds kMax{100};
  static constexpr std::chrono::milliseconds kEarly{50};

  // A new start(): the next check goes ahead at once.
  void reset() {
    any_ = false;
    interval_ = kFirst;
  }
  // Whether a check asked at `now` may reach the service.
  bool due(Clock::time_point now) const {
    return !any_ || now >= last_ + std::min<Clock::duration>(interval_, kEarly);
  }
  // Records a check that reached the service at `now` (its end, for checks that take a while).
  void reached(Clock::time_point now) {
    if (any_) interval_ = std::min<Clock::duration>(interval_ * 2, kMax);
    any_ = true;
    last_ = now;
  }
  // When the schedule asks next (time_point::min() before the first).
  Clock::time_point next() const { return any_ ? last_ + interval_ : Clock::time_point::min(); }

 private:
  bool any_ = false;
  Clock::time_point last_;
  Clock::duration interval_ = kFirst;
};

}  // namespace mirakuru::detail
