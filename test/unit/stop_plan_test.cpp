// The stop plan is computed in one place, with every duration saturated on its way to the
// guardian (issue 11 item 4): Options::timeout = milliseconds::max() must not mean "SIGKILL at
// once", and a stop_timeout beyond 32 bits must not wrap to 0.
#include "process/stop_plan.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <limits>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test::fixture;

constexpr milliseconds kMax = milliseconds::max();
constexpr milliseconds kBeyond32Bits{3'000'000'000};

TEST(StopPlan, GraceIsStopTimeoutElseTimeoutAtEveryExtreme) {
  for (const milliseconds d : {0ms, 1ms, kBeyond32Bits, kMax}) {
    EXPECT_EQ(detail::make_stop_plan({.timeout = d}).grace, d) << d.count();
    EXPECT_EQ(detail::make_stop_plan({.timeout = 5s, .stop_timeout = d}).grace, d) << d.count();
    EXPECT_EQ(detail::make_stop_plan({.timeout = d}).message().grace_ms, d.count()) << d.count();
  }
  EXPECT_EQ(detail::make_stop_plan({.timeout = -5ms}).grace, 0ms) << "negative is 0";
  EXPECT_EQ(detail::make_stop_plan({.timeout = kMax}, SIGKILL).grace, 0ms) << "SIGKILL: no grace";
  const auto plan = detail::make_stop_plan({.stop_signal = SIGINT, .kill_signal = SIGQUIT});
  EXPECT_EQ(plan.message().signal, SIGINT);
  EXPECT_EQ(plan.message().kill_signal, SIGQUIT);
  EXPECT_EQ(detail::make_stop_plan({}, SIGUSR1).message().signal, SIGUSR1) << "stop(sig) wins";
}

TEST(StopPlan, DeadlineSaturatesInsteadOfWrapping) {
  const auto now = Clock::now();
  EXPECT_EQ(detail::make_stop_plan({.timeout = kMax}).deadline_from(now), Clock::time_point::max());
  EXPECT_EQ(detail::make_stop_plan({.timeout = kMax, .kill_signal = SIGTERM}).deadline_from(now),
            Clock::time_point::max())
      << "two graces of max are still max";
  const auto zero = detail::make_stop_plan({.timeout = 0ms}).deadline_from(now);
  EXPECT_GT(zero, now) << "one margin even without a grace";
  EXPECT_LE(zero, now + 10s);
  const auto big = detail::make_stop_plan({.timeout = kBeyond32Bits}).deadline_from(now);
  EXPECT_GE(big, now + kBeyond32Bits);
  EXPECT_EQ(detail::saturated_deadline(now, kMax), Clock::time_point::max());
  EXPECT_EQ(detail::saturated_deadline(now, -1ms), now);
  EXPECT_EQ(detail::saturated_deadline(now, 1ms), now + 1ms);
}

// A SIGTERM-ignorer under a huge grace is not killed: stop() waits until the process dies
// (here: the test kills it after 300 ms) and reports no escalation.
void expect_no_kill_within_300ms(const Options& options) {
  test::Observed ex(fixture("term_ignorer"), options);
  ex.start();
  ASSERT_TRUE(ex.wait_for_output("ready"));
  const pid_t pid = ex.pid();
  const auto before = Clock::now();
  // Killed by the test, not by an escalation: that exit is what this stop() expects.
  auto stopping = std::async(std::launch::async, [&] { ex.stop(std::nullopt, -SIGKILL); });
  EXPECT_EQ(stopping.wait_for(300ms), std::future_status::timeout)
      << "stop() returned at once: the grace wrapped around";
  EXPECT_TRUE(test::alive(pid)) << "killed before its grace ran out";
  ::kill(pid, SIGKILL);  // only the test ends it
  stopping.get();
  EXPECT_GE(Clock::now() - before, 300ms);
  EXPECT_EQ(ex.returncode(), -SIGKILL);
  EXPECT_FALSE(test::alive(pid));
}

TEST(StopPlan, HugeStopTimeoutDoesNotKillAtOnce) {
  expect_no_kill_within_300ms({.stop_timeout = kBeyond32Bits});
}

TEST(StopPlan, MaxTimeoutDoesNotKillAtOnce) { expect_no_kill_within_300ms({.timeout = kMax}); }

TEST(StopPlan, MaxTimeoutStillStopsAGracefulProcessWithItsSignal) {
  SimpleExecutor ex("sleep 300", {.timeout = kMax});
  ex.start();
  const auto before = Clock::now();
  ex.stop();
  EXPECT_LT(Clock::now() - before, 5s);
  EXPECT_EQ(ex.returncode(), -SIGTERM) << "stopped by SIGTERM, not escalated to SIGKILL";
}

TEST(StopPlan, ZeroAndOneMillisecondGracesEscalateAtOnce) {
  for (const milliseconds d : {0ms, 1ms}) {
    for (const Options& options : {Options{.timeout = d}, Options{.stop_timeout = d}}) {
      test::Observed ex(fixture("term_ignorer"), options);
      ex.start();
      ASSERT_TRUE(ex.wait_for_output("ready"));
      const auto before = Clock::now();
      EXPECT_NO_THROW(ex.stop());
      EXPECT_LT(Clock::now() - before, 2s) << d.count() << " ms";
      EXPECT_EQ(ex.returncode(), -SIGKILL) << d.count() << " ms";
    }
  }
}

}  // namespace
}  // namespace mirakuru
