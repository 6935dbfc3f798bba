#include "fault_runner_rows.hpp"

#include <gtest/gtest.h>
#include <signal.h>

namespace mirakuru::faults {

using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // sanitizers catch SIGSEGV and exit with their own status
#else
constexpr bool kSanitized = false;
#endif

void FaultRunner::start(const std::string& mode, std::vector<std::string> flags) {
  std::vector<std::string> argv{MIRAKURU_FAULT_RUNNER, dir_.path().string(), mode};
  argv.insert(argv.end(), flags.begin(), flags.end());
  // exit-leaked leaks its executors on purpose: LeakSanitizer must not turn that into exit 1.
  launch(std::move(argv), {{"ASAN_OPTIONS", "detect_leaks=0"}});
}

void expect_orphan_cleanup(Scenario& s, FaultRunner& runner, int signal,
                           std::optional<Clock::time_point> killed_at) {
  runner.track_services(s);
  runner.track_guardians(s);
  const auto rc = runner.wait_exit();
  const auto since = killed_at.value_or(Clock::now());
  if (!(kSanitized && signal == SIGSEGV)) {
    EXPECT_EQ(rc, std::optional<int>(-signal)) << runner.exec().err_output();
  }
  runner.track_orphans(s);
  const auto all_gone = s.expect_gone(std::chrono::milliseconds(1000), since);
  EXPECT_LT(all_gone.count(), 1000.0);
  s.note("runner exit " + std::to_string(rc.value_or(999)) + ", all " +
         std::to_string(s.tracked()) + " gone " + ms(all_gone) + " after " +
         (killed_at ? "the signal" : "its death"));
  runner.reap();
}

void kill_runner_then_expect_orphan_cleanup(Scenario& s, FaultRunner& runner, int signal) {
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(runner.pid(), signal), 0);
  expect_orphan_cleanup(s, runner, signal, t0);
}

}  // namespace mirakuru::faults
