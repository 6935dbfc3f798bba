// PidExecutor: ready when the file exists (optionally with content).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::Options;
using mirakuru::PidExecutor;

TEST(PidExecutor, ReadyWhenTheFileExists) {
  mt::TempDir dir;
  auto file = dir / "server.pid";
  PidExecutor ex(mt::fixture("pid_writer") + " " + file.string() + " --delay-ms 100", file,
                 Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 100);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_TRUE(ex.running());
}

TEST(PidExecutor, RequireContentWaitsForTheFileToBeWritten) {
  mt::TempDir dir;
  auto file = dir / "server.pid";
  PidExecutor ex(mt::fixture("pid_writer") + " " + file.string() + " --empty-ms 200", file,
                 Options{.timeout = 20s}, /*require_content=*/true);
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 200);
  EXPECT_EQ(mt::read_pid_file(file, 0ms), ex.pid());
}

TEST(PidExecutor, RelativePathIsTakenInTheWorkingDirectory) {
  mt::TempDir dir;
  PidExecutor ex(mt::fixture("pid_writer") + " rel.pid", "rel.pid",
                 Options{.cwd = dir.path(), .timeout = 20s});
  ex.start();
  EXPECT_TRUE(std::filesystem::exists(dir / "rel.pid"));
}

TEST(PidExecutor, AlreadyRunningWhenTheFileExists) {
  mt::TempDir dir;
  auto file = dir / "taken.pid";
  std::ofstream(file) << "1\n";
  PidExecutor ex(mt::fixture("sleeper"), file, Options{.timeout = 5s});
  EXPECT_TRUE(mt::start_fails<mirakuru::AlreadyRunning>(ex, {.says = {file.string()}}));
  EXPECT_EQ(ex.pid(), -1);
}

TEST(PidExecutor, TimeoutWhenTheFileNeverAppears) {
  mt::TempDir dir;
  PidExecutor ex(mt::fixture("sleeper"), dir / "never.pid", Options{.timeout = 300ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"never.pid does not exist yet"}, .at_least = 300ms, .under = 3s}));
  EXPECT_FALSE(ex.running());
}

TEST(PidExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  mt::TempDir dir;
  PidExecutor ex(mt::fixture("exit_with") + " 1 'permission denied: /var/run'", dir / "x.pid",
                 Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"permission denied: /var/run"}, .under = 2s}));
}

}  // namespace
