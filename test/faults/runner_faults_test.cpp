// Rows of the fault table where the *runner* fails: it is killed, interrupted, aborts, crashes,
// exits without cleaning up, or its test throws. The runner (mk_fault_runner) is started here
// as a mirakuru service itself, so its own guardian is the subreaper that inherits anything
// the runner leaves behind: "nothing escaped" is checked on that guardian's children, not only
// on the pids the services wrote.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "fault_runner_rows.hpp"
#include "leak_check.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using faults::Scenario;

using faults::ms;
using faults::read_text;

using Runner = faults::FaultRunner;
using faults::expect_orphan_cleanup;
using faults::kill_runner_then_expect_orphan_cleanup;

TEST(RunnerFaults, SigkillMidTestLeavesNothingWithinOneSecond) {
  Scenario s("runner SIGKILL mid-test");
  Runner runner;
  runner.start("wait");
  ASSERT_GE(runner.guardian_count(), 7u);
  kill_runner_then_expect_orphan_cleanup(s, runner, SIGKILL);
  // The orphan path is still graceful first: stop_signal, then SIGKILL after 500 ms.
  EXPECT_EQ(runner.file("graceful.marker"), "SIGTERM\n");
}

// The runner in `mode` ends itself on SIGUSR1 (abort(), a segfault, exit() past its
// destructors), so `signal` is what it dies of (0: a plain exit).
void expect_cleanup_after_runner_ends_itself(const std::string& scenario, const std::string& mode,
                                             int signal) {
  Scenario s(scenario);
  Runner runner;
  runner.start(mode);
  ASSERT_EQ(::kill(runner.pid(), SIGUSR1), 0);
  expect_orphan_cleanup(s, runner, signal);
}

TEST(RunnerFaults, AbortLeavesNothingWithinOneSecond) {
  expect_cleanup_after_runner_ends_itself("runner abort()", "abort", SIGABRT);
}

TEST(RunnerFaults, SegfaultLeavesNothingWithinOneSecond) {
  expect_cleanup_after_runner_ends_itself("runner SIGSEGV", "segv", SIGSEGV);
}

TEST(RunnerFaults, ExitWithoutDestructorsLeavesNothingWithinOneSecond) {
  expect_cleanup_after_runner_ends_itself("runner exit(0) with live executors", "exit-leaked", 0);
}

// With install_termination_handler(): every service is stopped with its own stop sequence
// *before* the runner dies, and the runner dies of the signal.
void expect_graceful_stop(Scenario& s, Runner& runner, int signal, bool to_group = false) {
  runner.track_services(s);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(to_group ? -::getpgid(runner.pid()) : runner.pid(), signal), 0);
  const auto rc = runner.wait_exit();
  const auto exited = Clock::now();
  EXPECT_EQ(rc, std::optional<int>(-signal)) << "not the conventional status\n"
                                             << runner.exec().err_output();
  // Limit 0: the services were already reaped when the runner ended, not cleaned up after it.
  s.expect_gone(0ms);
  EXPECT_EQ(runner.file("graceful.marker"), "SIGTERM\n");
  runner.track_guardians(s);
  runner.track_orphans(s);
  s.expect_gone(1000ms);
  s.note("runner killed by signal " + std::to_string(-rc.value_or(0)) + " " + ms(exited - t0) +
         " after it, services already gone");
  runner.reap();
}

TEST(RunnerFaults, SigintWithHandlerStopsGracefullyThenDiesOfSigint) {
  Scenario s("runner SIGINT (termination handler)");
  Runner runner;
  runner.start("wait", {"--handler"});
  expect_graceful_stop(s, runner, SIGINT);
}

TEST(RunnerFaults, CtrlCToTheRunnersGroupReachesOnlyTheRunner) {
  Scenario s("Ctrl-C (SIGINT to the runner's process group)");
  Runner runner;
  runner.start("wait", {"--handler"});
  // A terminal signals the foreground group: the services (own sessions) must not see it, or
  // they would die of SIGINT before the runner could stop them with their stop_signal.
  expect_graceful_stop(s, runner, SIGINT, /*to_group=*/true);
}

TEST(RunnerFaults, SecondSigintWhileStoppingEndsTheRunnerAtOnce) {
  Scenario s("second SIGINT while stopping");
  Runner runner;
  runner.start("wait", {"--handler", "--slow-stop"});  // the ignorer would take 30 s to stop
  runner.track_services(s);
  runner.track_guardians(s);
  ASSERT_EQ(::kill(runner.pid(), SIGINT), 0);
  // The graceful service is stopped in parallel with the slow one: wait for its marker, which
  // proves the first stop is under way, then hurry.
  const auto marker = runner.dir() / "graceful.marker";
  ASSERT_GT(test::read_pid_file(runner.dir() / "graceful.pid"), 0);
  const auto until = Clock::now() + 10s;
  while (!std::filesystem::exists(marker) && Clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(std::filesystem::exists(marker));
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(runner.pid(), SIGINT), 0);
  EXPECT_EQ(runner.wait_exit(5s), std::optional<int>(-SIGINT));
  const auto died = Clock::now() - t0;
  EXPECT_LT(died, 1s) << "the second signal does not wait for the 30 s stop";
  runner.track_orphans(s);
  const auto gone = s.expect_gone(1000ms, t0);
  s.note("runner died " + ms(died) + " after the 2nd SIGINT, all gone " + ms(gone) + " after it");
  runner.reap();
}

TEST(RunnerFaults, IgnoredSigintStaysIgnored) {
  Scenario s("SIGINT ignored before install stays ignored");
  Runner runner;
  runner.start("wait", {"--ignore-int", "--handler"});
  ASSERT_EQ(::kill(runner.pid(), SIGINT), 0);
  EXPECT_EQ(runner.wait_exit(200ms), std::nullopt) << "the runner ignored SIGINT";
  EXPECT_FALSE(std::filesystem::exists(runner.dir() / "graceful.marker"));
  expect_graceful_stop(s, runner, SIGTERM);
}

TEST(RunnerFaults, SigtermWithHandlerChainsThePreviousHandlerAfterStopping) {
  Scenario s("runner SIGTERM (termination handler, chained)");
  Runner runner;
  runner.start("wait", {"--chain", "--handler"});
  expect_graceful_stop(s, runner, SIGTERM);
  EXPECT_EQ(runner.file("chained"), "after-stop\n");
}

TEST(RunnerFaults, SigintToAForkedCopyOfTheRunnerKillsOnlyTheCopy) {
#if defined(__SANITIZE_THREAD__)
  // TSan's runtime does not survive fork() without exec in a multi-threaded process: the copy
  // hangs inside the runtime instead of running the scenario.
  GTEST_SKIP() << "fork without exec of a threaded runner is not supported under TSan";
#endif
  Scenario s("SIGINT to a forked copy of a runner with the handler");
  Runner runner;
  runner.start("fork-sigint", {"--handler"});
  const pid_t copy = test::read_pid_file(runner.dir() / "fork.pid");
  ASSERT_GT(copy, 0);
  ASSERT_EQ(::kill(copy, SIGINT), 0);
  const auto result = runner.dir() / "fork.result";
  const auto until = Clock::now() + 10s;
  while (!std::filesystem::exists(result) && Clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(runner.file("fork.result"), "2 running\n")
      << "the copy dies of SIGINT (no stopper thread there) and stops nothing of its parent";
  EXPECT_FALSE(std::filesystem::exists(runner.dir() / "graceful.marker"));
  kill_runner_then_expect_orphan_cleanup(s, runner, SIGKILL);
}

TEST(RunnerFaults, SigintWithoutHandlerStillLeavesNothing) {
  Scenario s("runner SIGINT (no handler)");
  Runner runner;
  runner.start("wait");
  kill_runner_then_expect_orphan_cleanup(s, runner, SIGINT);
}

TEST(RunnerFaults, GuardianKilledFromOutsideNeitherKillsTheRunnerNorLeaks) {
  Scenario s("a guardian SIGKILLed from outside");
  Runner runner;
  runner.start("guardian-killed");  // READY: the runner survived kill() on a dead guardian
  runner.track_services(s);
  s.expect_gone(1000ms);  // its service (reparented away) was killed through its group
  runner.track_guardians(s);
  kill_runner_then_expect_orphan_cleanup(s, runner, SIGKILL);
}

TEST(RunnerFaults, TestThatThrowsLeavesNothing) {
  Scenario s("test throws");
  test::TempDir dir;
  SimpleExecutor runner(Command(std::vector<std::string>{MIRAKURU_FAULT_GTEST_RUNNER}),
                        {.env = {{"FAULT_DIR", dir.path().string()}}, .timeout = 30s});
  runner.start();
  const auto rc = runner.wait(30s);
  EXPECT_EQ(rc, std::optional<int>(1)) << runner.output() << runner.err_output();
  EXPECT_NE(runner.output().find("injected failure in the test body"), std::string::npos)
      << "GoogleTest reports the exception:\n"
      << runner.output();
  s.track_pid_files(dir.path());
  EXPECT_EQ(s.tracked(), 2u);
  s.expect_gone(0ms);  // the executors' destructors ran during unwinding, before the exit
  s.note("runner exit 1, services gone before it exited");
  runner.kill();  // reaps it (exit code 1 is this row's point, not an error)
}

TEST(RunnerFaults, EightParallelRunnersWithAutoPorts) {
  Scenario s("8 parallel runners, \"auto\" ports");
  constexpr int kRunners = 8;
  std::vector<Runner> runners(kRunners);
  std::vector<std::string> errors(kRunners);
  const auto t_start = Clock::now();
  {
    std::vector<std::thread> threads;
    threads.reserve(kRunners);
    for (int i = 0; i < kRunners; ++i) {
      threads.emplace_back([&, i] {
        try {
          runners[i].start("set", {"--handler"});
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  const auto started = Clock::now() - t_start;
  std::set<int> ports;
  for (int i = 0; i < kRunners; ++i) {
    ASSERT_EQ(errors[i], "") << "runner " << i;
    std::istringstream in(runners[i].file("ports"));
    for (int port; in >> port;) {
      EXPECT_GT(port, 0);
      ports.insert(port);
    }
    runners[i].track_services(s);
    runners[i].track_guardians(s);
  }
  EXPECT_EQ(ports.size(), 2u * kRunners) << "every auto port is distinct";
  // Half end gracefully (handler), half are SIGKILLed: both ways leave nothing.
  const auto t0 = Clock::now();
  for (int i = 0; i < kRunners; ++i) ::kill(runners[i].pid(), i % 2 ? SIGKILL : SIGTERM);
  for (int i = 0; i < kRunners; ++i) {
    EXPECT_EQ(runners[i].wait_exit(), std::optional<int>(i % 2 ? -SIGKILL : -SIGTERM));
    runners[i].track_orphans(s);
  }
  const auto gone = s.expect_gone(1000ms, t0);
  s.note(std::to_string(ports.size()) + " distinct ports, all started in " + ms(started) +
         ", all gone " + ms(gone) + " after the signals");
  for (auto& r : runners) r.reap();
}

}  // namespace
}  // namespace mirakuru
