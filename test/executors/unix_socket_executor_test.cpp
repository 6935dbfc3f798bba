// UnixSocketExecutor: ready on connect(); stale files and over-long paths.
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
using mirakuru::Options;
using mirakuru::UnixSocketExecutor;

TEST(UnixSocketExecutor, ReadyWhenTheSocketAccepts) {
  mt::TempDir dir;
  auto sock = dir / "s.sock";
  UnixSocketExecutor ex(mt::fixture("unix_server") + " " + sock.string() + " --delay-ms 100", sock,
                        Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 100);
  EXPECT_TRUE(ex.running());
  EXPECT_TRUE(std::filesystem::exists(sock));
}

TEST(UnixSocketExecutor, RelativePathIsTakenInTheWorkingDirectory) {
  mt::TempDir dir;
  UnixSocketExecutor ex(mt::fixture("unix_server") + " rel.sock", "rel.sock",
                        Options{.cwd = dir.path(), .timeout = 20s});
  ex.start();
  EXPECT_TRUE(std::filesystem::exists(dir / "rel.sock"));
}

TEST(UnixSocketExecutor, StaleSocketFileIsNotAlreadyRunning) {
  mt::TempDir dir;
  auto sock = dir / "stale.sock";
  { mt::UnixListener gone(sock); }  // leaves the socket file, nobody listens on it
  ASSERT_TRUE(std::filesystem::exists(sock));
  UnixSocketExecutor ex(mt::fixture("unix_server") + " " + sock.string(), sock,
                        Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
}

TEST(UnixSocketExecutor, AlreadyRunningWhenSomeoneListens) {
  mt::TempDir dir;
  auto sock = dir / "taken.sock";
  mt::UnixListener taken(sock);
  UnixSocketExecutor ex(mt::fixture("sleeper"), sock, Options{.timeout = 5s});
  EXPECT_THROW(ex.start(), mirakuru::AlreadyRunning);
  EXPECT_EQ(ex.pid(), -1);
}

TEST(UnixSocketExecutor, TimeoutSaysWhatTheSocketDid) {
  mt::TempDir dir;
  auto sock = dir / "never.sock";
  UnixSocketExecutor ex(mt::fixture("sleeper"), sock, Options{.timeout = 300ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"does not exist yet"}, .at_least = 300ms, .under = 3s}));
  EXPECT_FALSE(ex.running());
}

TEST(UnixSocketExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  mt::TempDir dir;
  UnixSocketExecutor ex(mt::fixture("exit_with") + " 1 'cannot create socket'", dir / "x.sock",
                        Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"cannot create socket"}, .under = 2s}));
}

TEST(UnixSocketExecutor, PathOverTheKernelLimitIsAClearError) {
  std::string long_path = "/tmp/" + std::string(110, 'a') + ".sock";
  try {
    UnixSocketExecutor ex(mt::fixture("sleeper"), long_path);
    FAIL() << "a 120-byte socket path cannot work";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("at most 107"), std::string::npos) << e.what();
  }
  // 107 bytes is still fine.
  EXPECT_NO_THROW(UnixSocketExecutor(mt::fixture("sleeper"), "/tmp/" + std::string(102, 'b')));
}

}  // namespace
