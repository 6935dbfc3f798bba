// The polling schedule of the readiness probes that cannot be woken by an event.
#pragma once

#include <algorithm>
#include <chrono>

namespace mirakuru::detail {

// Intervals of initial, 2x, 4x ... capped at max. A service usually becomes ready a few
// milliseconds after it starts, so the first checks are dense; the cap keeps a slow service
// from costing CPU. reset() goes back to the densest interval (used when the process writes
// output: servers log when they come up, so that is when a check is most likely to succeed).
class Backoff {
 public:
  Backoff(std::chrono::microseconds initial, std::chrono::microseconds max)
      : initial_(std::max(initial, std::chrono::microseconds(1))),
        max_(std::max(max, initial_)),
        next_(initial_) {}

  std::chrono::microseconds next() {
    auto current = next_;
    next_ = std::min(next_ * 2, max_);
    return current;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::microseconds initial_;
  std::chrono::microseconds max_;
  std::chrono::microseconds next_;
};

}  // namespace mirakuru::detail
