// An exec check in progress ends the moment the service dies (non-zero exit or a signal), and
// goes on when the service exits 0 (it may have daemonized).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/probe.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using Clock = std::chrono::steady_clock;
using mirakuru::ExecProbeExecutor;
using mirakuru::Options;

// The CLOCK_MONOTONIC instant mk_exit_with --stamp-file recorded (steady_clock's clock on Linux).
Clock::time_point read_stamp(const std::filesystem::path& file) {
  std::ifstream in(file);
  long long ns = 0;
  in >> ns;
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

TEST(ExecProbeInterrupt, ServiceExitingNonZeroEndsAHangingCheckAtOnce) {
  mt::TempDir dir;
  const auto check_pid_file = dir / "check.pid";
  const auto exit_stamp = dir / "exit.stamp";
  // The check (mk_pid_writer) hangs until killed; a run is bounded at 1 s by default.
  ExecProbeExecutor ex(mt::fixture("exit_with") + " 1 'FATAL: no config' --delay-ms 100" +
                           " --stamp-file " + exit_stamp.string(),
                       {mt::fixture("pid_writer"), check_pid_file.string()},
                       Options{.timeout = 30s});
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL() << "the service exited 1: start() must throw";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    const auto thrown = Clock::now();
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(std::string(e.what()).find("FATAL: no config"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stopped before it finished"), std::string::npos)
        << e.what();
    // Noticed within milliseconds of the exit, not when the 1 s check run ended.
    EXPECT_LT(ms_between(read_stamp(exit_stamp), thrown), 100);
  }
  EXPECT_GE(sw.ms(), 100);
  EXPECT_LT(sw.ms(), 400);
  const pid_t check_pid = mt::read_pid_file(check_pid_file);
  EXPECT_FALSE(mt::alive(check_pid)) << "the interrupted check " << check_pid << " still runs";
  EXPECT_FALSE(ex.running());
}

TEST(ExecProbeInterrupt, ServiceKilledByASignalEndsAHangingCheckAtOnce) {
  mt::TempDir dir;
  const auto service_pid_file = dir / "service.pid";
  const auto check_pid_file = dir / "check.pid";
  ExecProbeExecutor ex({mt::fixture("pid_writer"), service_pid_file.string()},
                       {mt::fixture("pid_writer"), check_pid_file.string()},
                       Options{.timeout = 30s});
  std::atomic<long long> killed_at_ns{0};
  // Kills the service once the check is known to run (its pid file is written).
  std::thread killer([&] {
    const pid_t check = mt::read_pid_file(check_pid_file, 10s);
    const pid_t service = mt::read_pid_file(service_pid_file, 10s);
    if (check > 0 && service > 0) {
      killed_at_ns = Clock::now().time_since_epoch().count();
      ::kill(service, SIGKILL);
    }
  });
  mt::Stopwatch sw;
  try {
    ex.start();
    ADD_FAILURE() << "the service was killed: start() must throw";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    const auto thrown = Clock::now();
    killer.join();
    EXPECT_EQ(e.exit_code(), -SIGKILL);
    ASSERT_NE(killed_at_ns.load(), 0);
    EXPECT_LT(ms_between(Clock::time_point(Clock::duration(killed_at_ns.load())), thrown), 100);
  } catch (...) {
    killer.join();
    throw;
  }
  if (killer.joinable()) killer.join();
  EXPECT_LT(sw.ms(), 1000);  // well under the check's 1 s run bound
  EXPECT_FALSE(mt::alive(mt::read_pid_file(check_pid_file)));
  EXPECT_FALSE(ex.running());
}

TEST(ExecProbeInterrupt, ServiceExitingZeroLetsTheRunningCheckFinish) {
  mt::TempDir dir;
  const auto exit_stamp = dir / "exit.stamp";
  // A daemonizing service exits 0 at ~100 ms; the check in progress passes at ~300 ms.
  ExecProbeExecutor ex(
      mt::fixture("exit_with") + " 0 --delay-ms 100 --stamp-file " + exit_stamp.string(),
      mt::fixture("exit_with") + " 0 --delay-ms 300", Options{.timeout = 30s});
  mt::Stopwatch sw;
  ex.start();
  const auto ready = Clock::now();
  EXPECT_TRUE(ex.last_check().is_ready());
  EXPECT_GE(sw.ms(), 300);
  ASSERT_TRUE(std::filesystem::exists(exit_stamp));
  // The check ran on well past the service's exit instead of being cut short.
  EXPECT_GE(ms_between(read_stamp(exit_stamp), ready), 150);
  EXPECT_EQ(ex.returncode(), 0);
}

TEST(ExecProbeInterrupt, ServiceExitingZeroStillWaitsForALaterPassingCheck) {
  mt::TempDir dir;
  const auto flag = dir / "up";
  // The service exits 0 at once, leaving the flag behind 200 ms later through a daemon-like
  // helper (mk_pid_writer in the background of the shell); checks fail until then.
  ExecProbeExecutor ex(
      "(" + mt::fixture("pid_writer") + " " + flag.string() + " --delay-ms 200 &) ; exit 0",
      "test -s " + flag.string(), Options{.shell = true, .timeout = 30s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 200);
  EXPECT_TRUE(ex.last_check().is_ready());
  EXPECT_EQ(ex.returncode(), 0);
  const pid_t helper = mt::read_pid_file(flag);
  ex.stop();
  EXPECT_TRUE(mt::gone_within(helper, 2s)) << "stop() must kill the daemon " << helper;
}

TEST(ExecProbeInterrupt, AnInterruptedProbeDoesNotStartItsCheck) {
  mt::TempDir dir;
  auto probe = mirakuru::make_exec_probe({mt::fixture("pid_writer"), (dir / "ran").string()});
  probe->set_interrupt([] { return true; });
  EXPECT_TRUE(probe->interrupted());
  auto result = probe->check();
  EXPECT_EQ(result.state, mirakuru::ProbeResult::State::NotYet);
  EXPECT_NE(result.detail.find("stopped before it finished"), std::string::npos) << result.detail;
  EXPECT_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST(ExecProbeInterrupt, TheInterruptEndsTheCheckWithinMilliseconds) {
  mt::TempDir dir;
  const auto check_pid_file = dir / "check.pid";
  auto probe = mirakuru::make_exec_probe({mt::fixture("pid_writer"), check_pid_file.string()});
  const auto fires_at = Clock::now() + 150ms;
  probe->set_interrupt([fires_at] { return Clock::now() >= fires_at; });
  auto result = probe->check();
  const auto returned = Clock::now();
  EXPECT_EQ(result.state, mirakuru::ProbeResult::State::NotYet);
  EXPECT_GE(ms_between(fires_at, returned), 0);
  EXPECT_LT(ms_between(fires_at, returned), 50);  // a few ms expected; generous under load
  EXPECT_FALSE(mt::alive(mt::read_pid_file(check_pid_file)));
}

TEST(ExecProbeInterrupt, AProbeOnItsOwnIsNeverInterrupted) {
  auto probe = mirakuru::make_exec_probe(mt::fixture("exit_with") + " 0 --delay-ms 20");
  EXPECT_FALSE(probe->interrupted());
  EXPECT_TRUE(probe->check().is_ready());
}

}  // namespace
