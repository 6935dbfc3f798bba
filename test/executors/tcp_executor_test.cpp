// TcpExecutor: ready when the port accepts; AlreadyRunning, timeouts and early exits.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
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
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL() << "nothing listens: start() must time out";
  } catch (const mirakuru::TimeoutExpired& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("connection refused"), std::string::npos) << what;
    EXPECT_NE(what.find("127.0.0.1:" + port.str()), std::string::npos) << what;
    EXPECT_NE(what.find("mk_sleeper"), std::string::npos) << what;
  }
  EXPECT_GE(sw.ms(), 300);
  EXPECT_LT(sw.ms(), 3000);
  EXPECT_FALSE(ex.running());
}

TEST(TcpExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  mt::PortReservation port;
  TcpExecutor ex(mt::fixture("exit_with") + " 1 'bind: address already in use'", "127.0.0.1",
                 port.port(), Options{.timeout = 30s});
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL();
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(std::string(e.what()).find("bind: address already in use"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(sw.ms(), 2000);
}

TEST(TcpExecutor, DeathBySignalIsReportedWithTheSignal) {
  mt::PortReservation port;
  TcpExecutor ex("kill -KILL $$", "127.0.0.1", port.port(), Options{.shell = true, .timeout = 30s});
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL();
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), -SIGKILL);
    EXPECT_NE(std::string(e.what()).find("SIGKILL"), std::string::npos) << e.what();
  }
  EXPECT_LT(sw.ms(), 2000);
}

TEST(TcpExecutor, AlreadyRunningWhenThePortIsServed) {
  mt::PortReservation port;
  port.listen();
  TcpExecutor ex(mt::fixture("sleeper"), "127.0.0.1", port.port(), Options{.timeout = 5s});
  try {
    ex.start();
    FAIL() << "the port is taken";
  } catch (const mirakuru::AlreadyRunning& e) {
    EXPECT_NE(std::string(e.what()).find("TCP 127.0.0.1:" + port.str()), std::string::npos)
        << e.what();
  }
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
