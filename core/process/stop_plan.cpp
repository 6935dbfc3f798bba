#include "process/stop_plan.hpp"

#include <algorithm>
#include <limits>

namespace mirakuru::detail {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What the guardian needs beyond its graces: a few 10 ms SIGKILL rounds, one per level of a
// tree. Also what the runner waits for a guardian that is gone before it acts itself.
constexpr milliseconds kGuardianMargin{5000};

milliseconds saturated_add(milliseconds a, milliseconds b) {
  return a >= milliseconds::max() - b ? milliseconds::max() : a + b;
}

}  // namespace

StopPlan make_stop_plan(const Options& options, std::optional<int> sig) {
  StopPlan plan;
  plan.stop_signal = sig.value_or(options.stop_signal);
  plan.kill_signal = options.kill_signal;
  plan.grace = plan.stop_signal == SIGKILL
                   ? milliseconds::zero()
                   : std::max(options.stop_timeout.value_or(options.timeout), milliseconds::zero());
  return plan;
}

ControlMessage StopPlan::message() const {
  static_assert(std::numeric_limits<milliseconds::rep>::max() <=
                std::numeric_limits<std::int64_t>::max());
  return {ControlMessage::kStop, stop_signal, kill_signal, 0,
          static_cast<std::int64_t>(std::max(grace, milliseconds::zero()).count())};
}

Clock::time_point StopPlan::deadline_from(Clock::time_point start) const {
  const milliseconds graces = kill_signal == SIGKILL ? grace : saturated_add(grace, grace);
  return saturated_deadline(start, saturated_add(graces, kGuardianMargin));
}

Clock::time_point saturated_deadline(Clock::time_point start, milliseconds d) {
  if (d <= milliseconds::zero()) return start;
  const auto room = std::chrono::duration_cast<milliseconds>(Clock::time_point::max() - start);
  return d >= room ? Clock::time_point::max() : start + d;
}

}  // namespace mirakuru::detail
