// ExecutorError's fields (issue 15, item 4): every error an executor throws carries the cause
// without the command, the output tail apart, and no service; what() is those parts put
// together exactly as before, so code can rely on the fields instead of parsing what().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "executor_test_support.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/executors.hpp"

namespace {

using namespace std::chrono_literals;
using mirakuru::ExecutorError;
using mirakuru::Options;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Runs `action` and returns the Error it must throw (anything else fails the test).
template <class Error, class Action>
Error thrown_by(Action action) {
  try {
    action();
  } catch (const Error& e) {
    return e;
  }
  throw std::logic_error("no error was thrown");
}

// The parts every executor error has: no service, and a cause that does not repeat the command.
void expect_bare(const ExecutorError& e, const std::string& command) {
  EXPECT_EQ(e.command(), command);
  EXPECT_EQ(e.service(), "");
  EXPECT_FALSE(e.cause().empty());
  EXPECT_THAT(e.cause(), Not(HasSubstr(command)));
  EXPECT_THAT(e.cause(), Not(HasSubstr("--- last ")));
}

TEST(ErrorFields, TimeoutExpired) {
  const std::string command = "sh -c 'echo still warming up; exec sleep 30'";
  mirakuru::OutputExecutor ex(command, "never printed", Options{.timeout = 300ms});
  const auto e = thrown_by<mirakuru::TimeoutExpired>([&] { ex.start(); });
  expect_bare(e, command);
  EXPECT_THAT(e.cause(), StartsWith("was not ready within 300 ms: waiting for "));
  EXPECT_THAT(e.output_tail(), HasSubstr("still warming up"));
  EXPECT_EQ(std::string(e.what()), "\"" + command + "\" " + e.cause() + "\n" + e.output_tail());
}

TEST(ErrorFields, ProcessExitedWithError) {
  const std::string command = "sh -c 'echo cannot open the data directory >&2; exit 3'";
  mirakuru::OutputExecutor ex(command, "ready", Options{.timeout = 20s});
  const auto e = thrown_by<mirakuru::ProcessExitedWithError>([&] { ex.start(); });
  expect_bare(e, command);
  EXPECT_EQ(e.exit_code(), 3);
  EXPECT_THAT(e.cause(), StartsWith("exited with code 3 after "));
  EXPECT_THAT(e.output_tail(), HasSubstr("cannot open the data directory"));
  EXPECT_EQ(e.output_tail(), ex.output_tail());
  EXPECT_EQ(std::string(e.what()), "\"" + command + "\" " + e.cause() + "\n" + e.output_tail());
}

TEST(ErrorFields, SpawnError) {
  const std::string command = "/nonexistent/mirakuru-program --flag";
  mirakuru::SimpleExecutor ex(command);
  const auto e = thrown_by<mirakuru::SpawnError>([&] { ex.start(); });
  EXPECT_EQ(e.command(), command);
  EXPECT_EQ(e.service(), "");
  EXPECT_THAT(e.cause(), StartsWith("execve failed: "));
  EXPECT_EQ(e.output_tail(), "");  // nothing ran
  EXPECT_EQ(std::string(e.what()), "cannot start '" + command + "': " + e.cause());
}

TEST(ErrorFields, AlreadyRunning) {
  mirakuru::test::PortReservation port;
  port.listen();
  const std::string command = "sleep 30";
  mirakuru::TcpExecutor ex(command, "127.0.0.1", port.port());
  const auto e = thrown_by<mirakuru::AlreadyRunning>([&] { ex.start(); });
  expect_bare(e, command);
  EXPECT_THAT(e.cause(), HasSubstr(port.str() + " is already in use"));
  EXPECT_EQ(e.output_tail(), "");
  EXPECT_EQ(std::string(e.what()), "cannot start \"" + command + "\": " + e.cause());
}

TEST(ErrorFields, StartInterrupted) {
  const std::string command = "sleep 30";
  mirakuru::OutputExecutor ex(command, "never printed", Options{.timeout = 30s});
  std::thread interrupter([&] {
    while (!ex.running()) std::this_thread::sleep_for(2ms);
    ex.interrupt_start();
  });
  const auto e = thrown_by<mirakuru::StartInterrupted>([&] { ex.start(); });
  interrupter.join();
  expect_bare(e, command);
  EXPECT_THAT(e.cause(), StartsWith("was interrupted (interrupt_start()) after "));
  EXPECT_EQ(std::string(e.what()), "start() of '" + command + "' " + e.cause());
}

TEST(ErrorFields, ProcessFinishedWithError) {
  const std::string command = "sh -c 'echo last words; exit 5'";
  mirakuru::SimpleExecutor ex(command);
  ex.start();
  ASSERT_EQ(ex.wait(20s), 5);
  const auto e = thrown_by<mirakuru::ProcessFinishedWithError>([&] { ex.stop(); });
  expect_bare(e, command);
  EXPECT_EQ(e.exit_code(), 5);
  EXPECT_THAT(e.cause(), StartsWith("exited with code 5 (expected: "));
  EXPECT_THAT(e.output_tail(), HasSubstr("last words"));
  EXPECT_EQ(std::string(e.what()), "'" + command + "' " + e.cause() + "\n" + e.output_tail());
}

TEST(ErrorFields, RetriedStartListsTheAttemptsAsItsCause) {
  const std::string command = "sh -c 'echo broken again >&2; exit 4'";
  mirakuru::OutputExecutor ex(command, "ready", Options{.timeout = 20s, .retries = 1});
  const auto e = thrown_by<mirakuru::ProcessExitedWithError>([&] { ex.start(); });
  EXPECT_EQ(e.service(), "");
  EXPECT_THAT(e.cause(), StartsWith("start failed 2 times:\n  attempt 1: exited early after "));
  EXPECT_THAT(e.cause(), HasSubstr("\n  attempt 2: exited early after "));
  EXPECT_THAT(e.cause(), Not(HasSubstr("--- last ")));
  EXPECT_THAT(e.output_tail(), HasSubstr("broken again"));  // the last attempt's
  EXPECT_THAT(std::string(e.what()),
              StartsWith(e.cause() + "\nthe last attempt's error in full:\n"));
}

TEST(ErrorFields, AnErrorBuiltFromAMessageHasItAsItsCause) {
  const mirakuru::ProcessExitedWithError e("cmd", 2, "it broke");
  EXPECT_EQ(e.cause(), "it broke");
  EXPECT_EQ(e.service(), "");
  EXPECT_EQ(e.output_tail(), "");
}

}  // namespace
