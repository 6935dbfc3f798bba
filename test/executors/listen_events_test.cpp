// Listen events (Options::listen_events): a probe that waits for a port or a socket is woken by
// the service tree's listen() calls, so it needs no dense polling; the calls themselves go on
// unchanged, during start() and for as long as the service runs.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace mt = mirakuru::test;

// Polling alone would check again only after 10 s: whatever is seen sooner was woken by an event.
mirakuru::Options no_polling(bool listen_events, std::chrono::milliseconds timeout,
                             bool shell = false) {
  return {.shell = shell,
          .timeout = timeout,
          .poll_initial = 10s,
          .poll_max = 10s,
          .listen_events = listen_events};
}

// start() under no_polling(true, 5s): only a listen() can have made it return this soon, after
// the check at spawn and the few right after the event.
void start_woken_by_listen(mirakuru::Executor& ex) {
  mt::Stopwatch watch;
  ex.start();
  EXPECT_LT(watch.elapsed(), 4s);
  EXPECT_LE(ex.checks(), 40u);
}

// The "Name:\tvalue" line of /proc/PID/status.
std::string proc_status(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return line;
  }
  return "(no " + name + " line)";
}

std::string server(const mt::PortReservation& port, int delay_ms) {
  return mt::fixture("tcp_server") + " --quiet --port " + port.str() + " --delay-ms " +
         std::to_string(delay_ms);
}

TEST(ListenEvents, ASilentServerIsCheckedWhenItListens) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(server(port, 150), "127.0.0.1", port.port(), no_polling(true, 5s));
  start_woken_by_listen(ex);
  // The refused check at spawn, then the ones right after the listen() (the call may not have
  // run yet when the first of them connects).
  RecordProperty("checks", static_cast<int>(ex.checks()));
  EXPECT_GE(ex.checks(), 2u);
  EXPECT_EQ(ex.output(), "");  // no output could have woken it
  EXPECT_EQ(proc_status(ex.pid(), "Seccomp_filters"), "Seccomp_filters:\t1");
  ex.stop();
}

TEST(ListenEvents, WithoutThemTheSameServerWaitsForThePoll) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(server(port, 100), "127.0.0.1", port.port(), no_polling(false, 1s));
  mt::Stopwatch watch;
  ex.start();
  // The check at spawn, then the last one start() makes at its deadline.
  EXPECT_GE(watch.elapsed(), 900ms);
  EXPECT_EQ(ex.checks(), 2u);
  ex.stop();
}

TEST(ListenEvents, AnOptedOutServiceRunsWithoutAFilter) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(server(port, 0), "127.0.0.1", port.port(),
                           mirakuru::Options{.timeout = 5s, .listen_events = false});
  ex.start();
  EXPECT_EQ(proc_status(ex.pid(), "Seccomp"), "Seccomp:\t0");
  EXPECT_EQ(proc_status(ex.pid(), "NoNewPrivs"), "NoNewPrivs:\t0");
  ex.stop();
}

TEST(ListenEvents, AProbeThatWaitsForNoListenAsksForNoFilter) {
  mirakuru::OutputExecutor ex(mt::fixture("banner") + " --banner ready", "ready",
                              mirakuru::Options{.timeout = 5s});
  ex.start();
  EXPECT_EQ(proc_status(ex.pid(), "Seccomp"), "Seccomp:\t0");
  ex.stop();
}

TEST(ListenEvents, ListenCallsAfterReadyStillGoOn) {
  // The pump answers every listen() of the tree for as long as it runs: a second server that
  // listens after start() returned must not hang in listen().
  mt::PortReservation first;
  mt::PortReservation second;
  const std::string command = server(first, 0) + " & " + mt::fixture("tcp_server") + " --port " +
                              second.str() + " --delay-ms 200 & wait";
  mirakuru::TcpExecutor ex(command, "127.0.0.1", first.port(),
                           mirakuru::Options{.shell = true, .timeout = 5s});
  ex.start();
  const auto seen = ex.wait_for_output("listening on 127\\.0\\.0\\.1:" + second.str(), 10s);
  EXPECT_TRUE(seen) << "the second server never got through listen(); output: " << ex.output();
  ex.stop();
}

TEST(ListenEvents, AListenOfADetachedGrandchildWakesTheCheck) {
  mt::PortReservation port;
  // sh exits 0 at once; the server runs on as its orphan, adopted by the guardian.
  mirakuru::TcpExecutor ex(server(port, 150) + " &", "127.0.0.1", port.port(),
                           no_polling(true, 5s, true));
  start_woken_by_listen(ex);
  ex.stop();
}

TEST(ListenEvents, AUnixSocketServerIsCheckedWhenItListens) {
  mt::TempDir dir;
  const auto path = dir.path() / "s.sock";
  mirakuru::UnixSocketExecutor ex(
      mt::fixture("unix_server") + " " + path.string() + " --delay-ms 150", path,
      no_polling(true, 5s));
  start_woken_by_listen(ex);
  ex.stop();
}

// While it runs, the runner holds one descriptor more than for a plain process (the
// notifications; start()'s duplicate is gone once it returned); after stop(), none.
TEST(ListenEvents, TheNotificationDescriptorLivesAsLongAsTheService) {
  mt::PortReservation port;
  mirakuru::SimpleExecutor plain(server(port, 0));
  plain.start();  // the output thread and its epoll descriptor exist from here on
  const std::size_t with_plain = mt::open_descriptors();
  plain.stop();
  const std::size_t idle = mt::open_descriptors();
  mirakuru::TcpExecutor ex(server(port, 50), "127.0.0.1", port.port(),
                           mirakuru::Options{.timeout = 5s});
  ex.start();
  EXPECT_EQ(mt::open_descriptors() - idle, with_plain - idle + 1);
  ex.stop();
  EXPECT_EQ(mt::open_descriptors(), idle);
}

// Run by the test below in a fresh copy of this program, as user "nobody": starts a service
// that shows its NoNewPrivs flag, and prints what it said.
TEST(ListenEventsChild, DISABLED_StartAsGiven) {
  const char* port = std::getenv("MK_LISTEN_EVENTS_PORT");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_NE(port, nullptr);
  const auto options = no_polling(true, 5s, true);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing sets the environment in this program
  if (std::getenv("MK_LISTEN_EVENTS_FAIL") != nullptr) {  // a service that exits at once
    mirakuru::TcpExecutor ex("exit 3", "127.0.0.1", std::stoi(port), options);
    try {
      ex.start();
    } catch (const mirakuru::ProcessExitedWithError& e) {
      std::cout << "start() said: " << e.what() << std::flush;
    }
    return;
  }
  mirakuru::TcpExecutor ex("grep NoNewPrivs /proc/self/status; exec " + mt::fixture("tcp_server") +
                               " --quiet --delay-ms 100 --port " + port,
                           "127.0.0.1", std::stoi(port), options);
  ex.start();  // within the 5 s deadline though polling would come after 10 s: the listen woke it
  std::cout << "service said: " << ex.output() << std::flush;
  ex.stop();
}

// Runs ListenEventsChild.DISABLED_StartAsGiven in a fresh copy of this program as user
// "nobody" (a fresh program, not a forked copy: threads after a fork of a threaded process are
// not safe) and returns what it printed; nullopt when nobody cannot run the fixtures here (a
// build tree under /root).
std::optional<std::string> run_as_nobody(const mt::PortReservation& port, bool fail) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork");
  if (child == 0) {
    ::dup2(report[1], 1);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    if (::access(mt::fixture("tcp_server").c_str(), X_OK) != 0) ::_exit(7);
    // The forked copy has one thread: setenv() is safe here.
    ::setenv("MK_LISTEN_EVENTS_PORT", port.str().c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    if (fail) ::setenv("MK_LISTEN_EVENTS_FAIL", "1", 1);       // NOLINT(concurrency-mt-unsafe)
    ::execl("/proc/self/exe", "listen_events_child",
            "--gtest_filter=ListenEventsChild.DISABLED_StartAsGiven",
            "--gtest_also_run_disabled_tests", static_cast<char*>(nullptr));
    ::_exit(8);
  }
  ::close(report[1]);
  std::string said;
  char buffer[4096];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) said.append(buffer, n);
  ::close(report[0]);
  int status = 0;
  if (::waitpid(child, &status, 0) != child) throw std::runtime_error("waitpid");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 7) return std::nullopt;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the copy run as nobody failed (status " + std::to_string(status) +
                             "): " + said);
  }
  return said;
}

TEST(ListenEvents, AnUnprivilegedRunnerSetsNoNewPrivsOnTheService) {
  if (::geteuid() != 0) {
    // The test runs unprivileged already: the service it starts shows the flag itself.
    mt::PortReservation port;
    mirakuru::TcpExecutor ex(server(port, 0), "127.0.0.1", port.port(),
                             mirakuru::Options{.timeout = 5s});
    ex.start();
    EXPECT_EQ(proc_status(ex.pid(), "NoNewPrivs"), "NoNewPrivs:\t1");
    ex.stop();
    return;
  }
  // Root needs no flag: the service is started by a copy of this program run as nobody.
  mt::PortReservation port;
  const auto said = run_as_nobody(port, false);
  if (!said) GTEST_SKIP() << "user nobody cannot run the fixtures here";
  EXPECT_THAT(*said, HasSubstr("service said: NoNewPrivs:\t1"));
}

TEST(ListenEvents, AnEarlyExitUnderNoNewPrivsSaysHowToOptOut) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run a copy as nobody";
  mt::PortReservation port;
  const auto said = run_as_nobody(port, true);
  if (!said) GTEST_SKIP() << "user nobody cannot run the fixtures here";
  EXPECT_THAT(*said, HasSubstr("start() said: "));
  EXPECT_THAT(*said, HasSubstr("exited with code 3"));
  EXPECT_THAT(*said, HasSubstr("It ran with no_new_privs, set for listen events"));
  EXPECT_THAT(*said, HasSubstr("\"listen_events\") to false"));
}

TEST(ListenEvents, AnEarlyExitOfAPrivilegedRunnersServiceSaysNothingOfNoNewPrivs) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: its services run without no_new_privs";
  mt::PortReservation port;
  mirakuru::TcpExecutor ex("exit 3", "127.0.0.1", port.port(),
                           mirakuru::Options{.shell = true, .timeout = 5s});
  try {
    ex.start();
    FAIL() << "start() returned";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exited with code 3"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("no_new_privs")));
  }
}

}  // namespace
