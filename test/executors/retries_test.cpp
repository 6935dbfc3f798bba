// Options::retries / retry_delay: a failed start() is tried again with a fresh process, and the
// final error lists every attempt. The fixture counts its starts in a file of the test's own
// temporary directory and fails the first K of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "executor_test_support.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/ports.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::Options;
using mirakuru::TcpExecutor;
using ::testing::HasSubstr;

int lines_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

struct Flaky {
  mt::TempDir dir;
  mirakuru::ReservedPort port = mirakuru::reserve_port();
  std::filesystem::path attempts = dir.path() / "attempts";

  // mk_svc_service on the reserved port that fails its first `k` starts in `how`.
  mirakuru::Command command(const std::string& how, int k) const {
    return mirakuru::Command(std::vector<std::string>{
        mt::fixture("svc_service"), "--port", std::to_string(port.port()), "--attempts",
        attempts.string(), "--" + how + "-attempts", std::to_string(k)});
  }
};

TEST(Retries, AnEarlyExitIsRetriedWithAFreshProcess) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("fail", 2), "127.0.0.1", flaky.port.port(),
                 Options{.timeout = 20s, .retries = 2});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_EQ(lines_in(flaky.attempts), 3);
  ex.stop();
}

TEST(Retries, ATimeoutIsRetried) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("hang", 1), "127.0.0.1", flaky.port.port(),
                 Options{.timeout = 500ms, .retries = 1});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_EQ(lines_in(flaky.attempts), 2);
  ex.stop();
}

TEST(Retries, TheFinalErrorListsEveryAttemptAndKeepsItsType) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("fail", 10), "127.0.0.1", flaky.port.port(),
                 Options{.timeout = 20s, .retries = 2});
  try {
    ex.start();
    FAIL() << "start() succeeded";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_THAT(what, HasSubstr("start failed 3 times:"));
    EXPECT_THAT(what, HasSubstr("attempt 1: exited early after "));
    EXPECT_THAT(what, HasSubstr("attempt 2: exited early after "));
    EXPECT_THAT(what, HasSubstr("attempt 3: exited early after "));
    EXPECT_THAT(what, HasSubstr("the last attempt's error in full:"));
    EXPECT_THAT(what, HasSubstr("failing on purpose"));  // the output tail is still there
  }
  EXPECT_EQ(lines_in(flaky.attempts), 3);  // 1 + 2 retries, no more
  EXPECT_FALSE(ex.running());
}

TEST(Retries, MixedFailuresAreNamedAttemptByAttempt) {
  Flaky flaky;
  // Attempt 1 hangs (a timeout), attempt 2 exits 1: the list says which was which.
  TcpExecutor ex(
      mirakuru::Command(std::vector<std::string>{
          mt::fixture("svc_service"), "--port", std::to_string(flaky.port.port()), "--attempts",
          flaky.attempts.string(), "--hang-attempts", "1", "--fail-attempts", "5"}),
      "127.0.0.1", flaky.port.port(), Options{.timeout = 300ms, .retries = 1});
  try {
    ex.start();
    FAIL() << "start() succeeded";
  } catch (const mirakuru::ProcessExitedWithError& e) {  // the last attempt's type
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("attempt 1: not ready in time after "));
    EXPECT_THAT(what, HasSubstr("attempt 2: exited early after "));
  }
  EXPECT_EQ(lines_in(flaky.attempts), 2);
}

TEST(Retries, NoneByDefault) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("fail", 1), "127.0.0.1", flaky.port.port(), Options{.timeout = 20s});
  try {
    ex.start();
    FAIL() << "start() succeeded";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::Not(HasSubstr("start failed")));
  }
  EXPECT_EQ(lines_in(flaky.attempts), 1);
}

TEST(Retries, ATakenPortIsRetried) {
  mt::PortReservation held;
  held.listen();  // something else serves the port: AlreadyRunning at each attempt
  TcpExecutor ex(mt::fixture("sleeper"), "127.0.0.1", held.port(),
                 Options{.timeout = 5s, .retries = 1, .retry_delay = 10ms});
  try {
    ex.start();
    FAIL() << "start() succeeded";
  } catch (const mirakuru::AlreadyRunning& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("start failed 2 times:"));
    EXPECT_THAT(what, HasSubstr("attempt 2: already in use after "));
  }
}

TEST(Retries, ASpawnErrorIsNotRetried) {
  mt::Stopwatch sw;
  mirakuru::Executor ex("/nonexistent/mk-no-such-program",
                        Options{.retries = 5, .retry_delay = 2s});
  EXPECT_THROW(ex.start(), mirakuru::SpawnError);
  EXPECT_LT(sw.ms(), 1500);  // no retry_delay was waited
}

TEST(Retries, TheDelayIsWaitedBetweenAttempts) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("fail", 1), "127.0.0.1", flaky.port.port(),
                 Options{.timeout = 20s, .retries = 1, .retry_delay = 300ms});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 300);
  EXPECT_EQ(lines_in(flaky.attempts), 2);
  ex.stop();
}

TEST(Retries, InterruptStartEndsThePauseBetweenAttempts) {
  Flaky flaky;
  TcpExecutor ex(flaky.command("fail", 10), "127.0.0.1", flaky.port.port(),
                 Options{.timeout = 20s, .retries = 5, .retry_delay = 30s});
  std::thread interrupter([&] {
    // Once the first attempt failed, start() is in its 30 s pause.
    while (lines_in(flaky.attempts) < 1) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(50ms);
    ex.interrupt_start();
  });
  mt::Stopwatch sw;
  EXPECT_THROW(ex.start(), mirakuru::StartInterrupted);
  interrupter.join();
  EXPECT_LT(sw.ms(), 10'000);
  EXPECT_EQ(lines_in(flaky.attempts), 1);  // no attempt after the interrupt
}

TEST(Retries, OutOfRangeValuesAreRefused) {
  EXPECT_THROW(mirakuru::SimpleExecutor("true", Options{.retries = -1}), std::invalid_argument);
  EXPECT_THROW(mirakuru::SimpleExecutor("true", Options{.retries = 101}), std::invalid_argument);
  EXPECT_THROW(mirakuru::SimpleExecutor("true", Options{.retry_delay = -1ms}),
               std::invalid_argument);
  EXPECT_THROW(mirakuru::SimpleExecutor("true", Options{.retry_delay = 2h}), std::invalid_argument);
  EXPECT_NO_THROW(mirakuru::SimpleExecutor("true", Options{.retries = 100, .retry_delay = 1h}));
}

}  // namespace
