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
#include <thread>

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
  // The runner made the listen() itself: the check after it needs no connect.
  EXPECT_EQ(ex.last_check().detail,
            "127.0.0.1:" + port.str() + " accepts connections (its listen() was seen)");
  EXPECT_EQ(ex.output(), "");  // no output could have woken it
  EXPECT_EQ(proc_status(ex.pid(), "Seccomp_filters"), "Seccomp_filters:\t1");
  ex.stop();
}

// While start() waits, it answers the listen() calls alone: the pump's watch of the notification
// descriptor stands aside (a listen() wakes one thread, not two racing for it), and takes over
// again once start() returned.
TEST(ListenEvents, WhileStartWaitsThePumpLeavesTheListenCallsToIt) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(server(port, 200), "127.0.0.1", port.port(), no_polling(true, 10s));
  EXPECT_TRUE(mt::stood_aside_during([&] { ex.start(); }));
  EXPECT_FALSE(mt::a_watch_stands_aside());
  EXPECT_EQ(ex.last_check().detail,
            "127.0.0.1:" + port.str() + " accepts connections (its listen() was seen)");
  ex.stop();
}

TEST(ListenEvents, AServerBoundToEveryAddressServesTheLoopbackProbe) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(server(port, 100) + " --host 0.0.0.0", "127.0.0.1", port.port(),
                           no_polling(true, 5s));
  start_woken_by_listen(ex);
  EXPECT_THAT(ex.last_check().detail, HasSubstr("(its listen() was seen)"));
  ex.stop();
}

TEST(ListenEvents, AListenOnAnotherPortDoesNotMakeTheServiceReady) {
  mt::PortReservation port;
  mt::PortReservation other;
  // The other port listens at once, ours 300 ms later: ready before then would be a mistake.
  const std::string command = server(other, 0) + " & exec " + server(port, 300);
  mirakuru::TcpExecutor ex(command, "127.0.0.1", port.port(), no_polling(true, 5s, true));
  mt::Stopwatch watch;
  ex.start();
  EXPECT_GE(watch.elapsed(), 250ms);
  EXPECT_LT(watch.elapsed(), 4s);
  EXPECT_THAT(ex.last_check().detail, HasSubstr(":" + port.str() + " accepts connections"));
  ex.stop();
}

// A server in a network namespace of its own listens on "our" port without serving us: the
// runner must not take its listen() for the port accepting.
TEST(ListenEvents, AListenInAnotherNetworkNamespaceIsNotTaken) {
  if (std::system("unshare -n true >/dev/null 2>&1") != 0) {  // NOLINT(concurrency-mt-unsafe)
    GTEST_SKIP() << "unshare -n is not allowed here";
  }
  mt::PortReservation port;
  // Loopback is down in a fresh namespace: the server binds every address there.
  mirakuru::TcpExecutor ex(
      "unshare -n " + mt::fixture("tcp_server") + " --host 0.0.0.0 --port " + port.str(),
      "127.0.0.1", port.port(), no_polling(true, 1500ms));
  try {
    ex.start();
    FAIL() << "ready, though nothing listens on port " << port.str() << " here";
  } catch (const mirakuru::TimeoutExpired& e) {
    // It did listen, over there.
    EXPECT_THAT(e.what(), HasSubstr("listening on 0.0.0.0:" + port.str()));
    EXPECT_THAT(e.what(), HasSubstr("connection refused"));
  }
}

// The probes' side of it, without a process: what start() passes to on_listening().
mirakuru::ListeningSocket socket_on(const std::string& address, int port, bool v6only = false) {
  return {address, port, v6only};
}

TEST(ListeningSockets, TheTcpProbeAnswersFromTheSocketWithoutConnecting) {
  mt::PortReservation port;  // bound, never listening: a connect is refused
  auto probe = mirakuru::make_tcp_probe("127.0.0.1", port.port());
  probe->set_deadline(std::chrono::steady_clock::now() + 5s);
  probe->reset();
  EXPECT_FALSE(probe->check().is_ready());
  probe->on_listening(socket_on("127.0.0.1", port.port()));
  const auto result = probe->check();
  EXPECT_TRUE(result.is_ready());
  EXPECT_EQ(result.detail,
            "127.0.0.1:" + port.str() + " accepts connections (its listen() was seen)");
  // Told once: the next check connects again (and is refused).
  EXPECT_THAT(probe->check().detail, HasSubstr("connection refused"));
}

TEST(ListeningSockets, OtherPortsAddressesAndForgottenSocketsAreNotTaken) {
  mt::PortReservation port;
  auto probe = mirakuru::make_tcp_probe("127.0.0.1", port.port());
  probe->set_deadline(std::chrono::steady_clock::now() + 5s);
  probe->reset();
  const auto told = [&](const mirakuru::ListeningSocket& socket) {
    probe->on_listening(socket);
    return probe->check().is_ready();
  };
  EXPECT_FALSE(told(socket_on("127.0.0.1", port.port() == 65535 ? 1 : port.port() + 1)));
  EXPECT_FALSE(told(socket_on("127.0.0.2", port.port())));
  EXPECT_FALSE(told(socket_on("::1", port.port())));
  EXPECT_FALSE(told(socket_on("::", port.port(), true)));  // IPv6 only: not 127.0.0.1
  EXPECT_TRUE(told(socket_on("::", port.port())));
  EXPECT_TRUE(told(socket_on("0.0.0.0", port.port())));
  probe->on_listening(socket_on("127.0.0.1", port.port()));
  probe->reset();  // a new start(): what the last run's tree did is forgotten
  EXPECT_FALSE(probe->check().is_ready());

  // A wildcard serves loopback only: another host's address is surely served only by its own
  // bind.
  auto remote = mirakuru::make_tcp_probe("192.0.2.1", port.port());  // TEST-NET-1
  remote->set_deadline(std::chrono::steady_clock::now() + 50ms);
  remote->reset();
  remote->on_listening(socket_on("0.0.0.0", port.port()));
  EXPECT_FALSE(remote->check().is_ready());
  remote->set_deadline(std::chrono::steady_clock::now() + 50ms);
  remote->on_listening(socket_on("192.0.2.1", port.port()));
  EXPECT_TRUE(remote->check().is_ready());
}

TEST(ListeningSockets, ACompositeProbePassesThemOn) {
  mt::PortReservation a;
  mt::PortReservation b;
  auto probe =
      mirakuru::all_of(mirakuru::probe_list(mirakuru::make_tcp_probe("127.0.0.1", a.port()),
                                            mirakuru::make_tcp_probe("127.0.0.1", b.port())));
  probe->set_deadline(std::chrono::steady_clock::now() + 5s);
  probe->reset();
  probe->on_listening(socket_on("127.0.0.1", a.port()));
  EXPECT_FALSE(probe->check().is_ready());  // b is still refused
  probe->on_listening(socket_on("127.0.0.1", b.port()));
  EXPECT_TRUE(probe->check().is_ready());
}

// The HTTP probe's first connect only learns that the port accepts; a socket seen listening
// tells it as much, and its first request is the server's first connection.
int connections_of_a_first_check(bool told, std::string* first_bytes) {
  mt::PortReservation port;
  port.listen();
  auto probe = mirakuru::make_http_probe("http://127.0.0.1:" + port.str() + "/health");
  probe->set_deadline(std::chrono::steady_clock::now() + 5s);
  probe->reset();
  if (told) probe->on_listening(socket_on("127.0.0.1", port.port()));
  mirakuru::ProbeResult result;
  std::thread checking([&] { result = probe->check(); });
  const int connections = port.take_connections(first_bytes);
  checking.join();
  EXPECT_TRUE(result.is_ready()) << result.detail;
  return connections;
}

TEST(ListeningSockets, TheHttpProbeSendsItsFirstRequestOnItsOnlyConnection) {
  std::string first;
  EXPECT_EQ(connections_of_a_first_check(true, &first), 1);
  EXPECT_EQ(first.rfind("HEAD /health HTTP/1.1\r\n", 0), 0u) << first;
  // Not told: a connect first (closed without a byte), then the request.
  EXPECT_EQ(connections_of_a_first_check(false, &first), 2);
  EXPECT_EQ(first, "");
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

// start() returns as soon as the socket listens, before the server's own listen() returned (it
// holds the answer back, see held_listen_answers_test.cpp): the pump answers then, and the
// server goes on. A listen() seen while start() waits, and one already there when it looks.
TEST(ListenEvents, TheServerGoesOnOnceStartReturned) {
  for (const int delay_ms : {100, 0}) {
    mt::PortReservation port;
    mirakuru::TcpExecutor ex(mt::fixture("tcp_server") + " --port " + port.str() + " --delay-ms " +
                                 std::to_string(delay_ms),
                             "127.0.0.1", port.port(), mirakuru::Options{.timeout = 5s});
    ex.start();
    const auto seen = ex.wait_for_output("listening on 127\\.0\\.0\\.1:" + port.str(), 10s);
    EXPECT_TRUE(seen) << "delay " << delay_ms << " ms: the server never got through listen()";
    ex.stop();
  }
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

// While it runs, the runner holds two descriptors more than for a plain process (the
// notifications, and the eventfd that woke start(); start()'s duplicate is gone once it
// returned); after stop(), none.
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
  EXPECT_EQ(mt::open_descriptors() - idle, with_plain - idle + 2);
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
