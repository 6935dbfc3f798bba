// ExecProbeExecutor: ready when a check command exits 0.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::ExecProbeExecutor;
using mirakuru::Options;

TEST(ExecProbeExecutor, ReadyWhenTheCheckExitsZero) {
  mt::TempDir dir;
  auto file = dir / "up";
  ExecProbeExecutor ex(mt::fixture("pid_writer") + " " + file.string() + " --delay-ms 100",
                       {"test", "-s", file.string()}, Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 100);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_TRUE(ex.running());
}

TEST(ExecProbeExecutor, TheCheckRunsInTheServicesWorkingDirectoryAndEnvironment) {
  mt::TempDir dir;
  ExecProbeExecutor ex(
      mt::fixture("pid_writer") + " here.pid", "test -s \"$MARKER\"",
      Options{.cwd = dir.path(), .env = {{"MARKER", "here.pid"}}, .shell = true, .timeout = 20s});
  ex.start();
  EXPECT_TRUE(std::filesystem::exists(dir / "here.pid"));
}

TEST(ExecProbeExecutor, TimeoutCarriesWhatTheCheckSaid) {
  ExecProbeExecutor ex(mt::fixture("sleeper"), "sh -c 'echo no response >&2; exit 2'",
                       Options{.timeout = 400ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"exited with code 2: no response"}, .at_least = 400ms, .under = 4s}));
  EXPECT_FALSE(ex.running());
}

TEST(ExecProbeExecutor, ACheckThatCannotRunFailsAtOnce) {
  ExecProbeExecutor ex(mt::fixture("sleeper"), "/nonexistent/pg_isready", Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ExecutorError>(
      ex, {.says = {"/nonexistent/pg_isready"}, .under = 2s}));
  EXPECT_FALSE(ex.running());
}

TEST(ExecProbeExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  ExecProbeExecutor ex(mt::fixture("exit_with") + " 1 'FATAL: data directory missing'", "false",
                       Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"FATAL: data directory missing"}, .under = 3s}));
}

}  // namespace
