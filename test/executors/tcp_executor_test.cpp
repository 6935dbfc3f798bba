// TcpExecutor: ready when the port accepts; AlreadyRunning, timeouts and early exits.
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
using mirakuru::TcpExecutor;

std::string server(const mt::PortReservation& port, const std::string& args = "") {
  return mt::fixture("tcp_server") + " --port " + port.str() + " " + args;
}

TEST(TcpExecutor, ReadyWhenThePortAccepts) {
  mt::PortReservation port;
  TcpExecutor ex(server(port, "--delay-ms 100 --quiet"), "127.0.0.1", port.port(),
                 Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 100);
  EXPECT_TRUE(ex.running());
  EXPECT_EQ(ex.port(), port.port());
  EXPECT_TRUE(ex.last_check().is_ready());
  pid_t pid = ex.pid();
  ex.stop();
  EXPECT_TRUE(mt::gone_within(pid, 2s));
}

TEST(TcpExecutor, Ipv6Loopback) {
  if (!mt::has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback on this host";
  mt::PortReservation port(AF_INET6);
  TcpExecutor ex(server(port, "--host ::1 --delay-ms 50"), "::1", port.port(),
                 Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
}

TEST(TcpExecutor, HostNameTriesEveryAddress) {
  // "localhost" may resolve to ::1 first; the server only listens on 127.0.0.1.
  mt::PortReservation port;
  TcpExecutor ex(server(port, "--delay-ms 50"), "localhost", port.port(), Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
}

TEST(TcpExecutor, TimeoutSaysConnectionRefused) {
  mt::PortReservation port;  // reserved, nobody ever listens
  TcpExecutor ex(mt::fixture("sleeper"), "127.0.0.1", port.port(), Options{.timeout = 300ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"connection refused", "127.0.0.1:" + port.str(), "mk_sleeper"},
           .at_least = 300ms,
           .under = 3s}))
      << "nothing listens: start() must time out";
  EXPECT_FALSE(ex.running());
}

TEST(TcpExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  mt::PortReservation port;
  TcpExecutor ex(mt::fixture("exit_with") + " 1 'bind: address already in use'", "127.0.0.1",
                 port.port(), Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"bind: address already in use"}, .exit_code = 1, .under = 2s}));
}

TEST(TcpExecutor, DeathBySignalIsReportedWithTheSignal) {
  mt::PortReservation port;
  TcpExecutor ex("kill -KILL $$", "127.0.0.1", port.port(), Options{.shell = true, .timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"SIGKILL"}, .exit_code = -SIGKILL, .under = 2s}));
}

TEST(TcpExecutor, AlreadyRunningWhenThePortIsServed) {
  mt::PortReservation port;
  port.listen();
  TcpExecutor ex(mt::fixture("sleeper"), "127.0.0.1", port.port(), Options{.timeout = 5s});
  EXPECT_TRUE(
      mt::start_fails<mirakuru::AlreadyRunning>(ex, {.says = {"TCP 127.0.0.1:" + port.str()}}))
      << "the port is taken";
  EXPECT_FALSE(ex.running());
  EXPECT_EQ(ex.pid(), -1);  // nothing was started
}

TEST(TcpExecutor, ExitZeroMayMeanDaemonizedSoTheWaitGoesOn) {
  mt::PortReservation port;
  // The shell exits 0 at once; its background child starts listening 150 ms later.
  TcpExecutor ex(server(port, "--delay-ms 150 --quiet") + " & exit 0", "127.0.0.1", port.port(),
                 Options{.shell = true, .timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 150);
  ex.stop();  // kills the daemonized server too
  mirakuru::TcpExecutor probe_again(mt::fixture("sleeper"), "127.0.0.1", port.port());
  EXPECT_FALSE(probe_again.pre_start_check()) << "the daemon still serves the port";
}

TEST(TcpExecutor, PortOutsideTheRangeIsRejected) {
  EXPECT_THROW(TcpExecutor(mt::fixture("sleeper"), "127.0.0.1", 70000), std::invalid_argument);
  EXPECT_THROW(TcpExecutor(mt::fixture("sleeper"), "127.0.0.1", 0), std::invalid_argument);
}

}  // namespace
