// Host name resolution for the TCP/HTTP probes is bounded in time: numeric hosts and localhost
// need no lookup, names are looked up on a worker thread the check stops waiting for.
#include "executors/name_lookup.hpp"

#include <gtest/gtest.h>
#include <netdb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "executor_test_support.hpp"
#include "executors/tcp_connect.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/probe.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
namespace md = mirakuru::detail;
using Clock = std::chrono::steady_clock;

// A resolver the test controls: each lookup is counted and blocks until the gate opens, then
// answers 127.0.0.1 (or fails, for names starting with "nx.").
struct FakeDns {
  std::mutex mutex;
  std::condition_variable opened;
  bool open = false;
  std::chrono::milliseconds delay{0};  // with the gate open: how long a lookup takes
  std::atomic<int> calls{0};
};
FakeDns* g_dns = nullptr;

bool fake_resolver(const std::string& name, int port, std::vector<md::Endpoint>& out,
                   std::string& error) {
  FakeDns& dns = *g_dns;
  ++dns.calls;
  {
    std::unique_lock<std::mutex> lock(dns.mutex);
    dns.opened.wait(lock, [&] { return dns.open; });
  }
  if (dns.delay > 0ms) std::this_thread::sleep_for(dns.delay);  // the simulated slow server
  if (name.rfind("nx.", 0) == 0) {
    error = "cannot resolve " + name + ": Name or service not known";
    return false;
  }
  std::string ignored;
  return md::getaddrinfo_tcp("127.0.0.1", port, AI_NUMERICHOST, out, ignored) == 0;
}

// A name no earlier test (or --gtest_repeat round) of this process looked up: answers nobody
// collected are kept for a few seconds and would be picked up.
std::string fresh(const std::string& stem) {
  static std::atomic<int> counter{0};
  return stem + "-" + std::to_string(++counter) + ".test";
}

bool fail_if_called(const std::string& name, int, std::vector<md::Endpoint>&, std::string&) {
  ADD_FAILURE() << "a lookup was started for " << name;
  return false;
}

class NameLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    g_dns = &dns_;
    previous_ = md::set_blocking_resolver(fake_resolver);
  }
  void TearDown() override {
    open_gate();
    md::set_blocking_resolver(previous_);
    // Every worker thread ends once its resolver returns: nothing is left behind.
    EXPECT_TRUE(wait_until([] { return md::lookups_in_flight() == 0; }, 5s));
    g_dns = nullptr;
  }

  void open_gate() {
    {
      std::lock_guard<std::mutex> lock(dns_.mutex);
      dns_.open = true;
    }
    dns_.opened.notify_all();
  }

  template <typename Pred>
  static bool wait_until(Pred pred, std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (!pred()) {
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // The resolver never answers `name`: start() must still time out on its 500 ms deadline, say
  // which lookup it waited for, have asked the resolver once, and leave nothing running.
  template <typename Ex>
  void expect_timeout_naming_the_lookup(Ex& ex, const std::string& name) {
    EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
        ex,
        {.says = {"resolving " + name + " took longer than"}, .at_least = 500ms, .under = 1500ms}))
        << "the name never resolves: start() must time out";
    EXPECT_EQ(dns_.calls.load(), 1);
    EXPECT_FALSE(ex.running());
  }

  FakeDns dns_;
  md::BlockingResolver previous_ = nullptr;
};

TEST_F(NameLookup, NumericHostsAndLocalhostNeedNoLookup) {
  md::set_blocking_resolver(fail_if_called);
  const auto far = Clock::now() + 10s;
  std::vector<md::Endpoint> out;
  std::string error;
  for (std::string host : {"127.0.0.1", "::1", "[::1]", "localhost", "LOCALHOST."}) {
    mt::Stopwatch sw;
    EXPECT_TRUE(md::resolve_tcp(host, 5432, out, error, far)) << host << ": " << error;
    EXPECT_LT(sw.ms(), 50) << host;
    ASSERT_FALSE(out.empty()) << host;
  }
  // localhost is the loopback interface, IPv4 first.
  ASSERT_TRUE(md::resolve_tcp("localhost", 5432, out, error, far));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text, "127.0.0.1:5432");
  EXPECT_EQ(out[1].text, "[::1]:5432");
  EXPECT_EQ(md::lookups_in_flight(), 0u);
}

TEST_F(NameLookup, ASlowLookupIsNotYetWithinTheBoundAndIsNotStartedTwice) {
  const auto far = Clock::now() + 30s;
  const std::string name = fresh("slow");
  std::vector<md::Endpoint> out;
  std::string error;
  mt::Stopwatch sw;
  EXPECT_FALSE(md::resolve_tcp(name, 80, out, error, far));
  EXPECT_GE(sw.elapsed(), md::kLookupWait);
  EXPECT_LT(sw.elapsed(), md::kLookupWait + 200ms);
  EXPECT_NE(error.find("resolving " + name + " took longer than"), std::string::npos) << error;
  EXPECT_TRUE(out.empty());

  // The next check waits for the same lookup rather than starting another one.
  EXPECT_FALSE(md::resolve_tcp(name, 80, out, error, far));
  EXPECT_EQ(dns_.calls.load(), 1);

  open_gate();
  ASSERT_TRUE(md::resolve_tcp(name, 80, out, error, far)) << error;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "127.0.0.1:80");
  EXPECT_EQ(dns_.calls.load(), 1);
}

TEST_F(NameLookup, TheDeadlineCutsTheWaitShorter) {
  std::vector<md::Endpoint> out;
  std::string error;
  mt::Stopwatch sw;
  EXPECT_FALSE(md::resolve_tcp(fresh("short"), 80, out, error, Clock::now() + 20ms));
  EXPECT_GE(sw.ms(), 20);
  EXPECT_LT(sw.ms(), 90);
  EXPECT_NE(error.find("took longer than"), std::string::npos) << error;
}

TEST_F(NameLookup, AnAnswerThatCameBetweenChecksIsPickedUp) {
  open_gate();
  dns_.delay = 150ms;
  const std::string name = fresh("between");
  std::vector<md::Endpoint> out;
  std::string error;
  EXPECT_FALSE(md::resolve_tcp(name, 80, out, error, Clock::now() + 30s));
  // The lookup finishes while nobody waits for it.
  ASSERT_TRUE(wait_until([] { return md::lookups_in_flight() == 0; }, 5s));
  mt::Stopwatch sw;
  ASSERT_TRUE(md::resolve_tcp(name, 80, out, error, Clock::now() + 30s)) << error;
  EXPECT_LT(sw.ms(), 50);
  EXPECT_EQ(dns_.calls.load(), 1);
}

TEST_F(NameLookup, AFailedLookupSaysWhy) {
  open_gate();
  const std::string name = "nx." + fresh("failed");
  std::vector<md::Endpoint> out;
  std::string error;
  EXPECT_FALSE(md::resolve_tcp(name, 80, out, error, Clock::now() + 30s));
  EXPECT_EQ(error, "cannot resolve " + name + ": Name or service not known");
}

TEST_F(NameLookup, AProbeDestroyedWhileItsLookupHangsLeavesNothingBehind) {
  const std::string name = fresh("abandoned");
  {
    auto probe = mirakuru::make_tcp_probe(name, 80);
    auto result = probe->check();
    EXPECT_EQ(result.state, mirakuru::ProbeResult::State::NotYet);
    EXPECT_NE(result.detail.find("resolving " + name + " took longer than"), std::string::npos)
        << result.detail;
    EXPECT_EQ(md::lookups_in_flight(), 1u);
  }
  // TearDown opens the gate and expects the worker gone (asan: nothing leaked).
}

TEST_F(NameLookup, TcpExecutorBecomesReadyThroughASlowLookup) {
  open_gate();
  dns_.delay = 300ms;
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(mt::fixture("tcp_server") + " --port " + port.str(),
                           fresh("slow-but-fine"), port.port(), mirakuru::Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 300);
  EXPECT_TRUE(ex.last_check().is_ready()) << ex.last_check().detail;
  EXPECT_EQ(dns_.calls.load(), 1);  // several checks, one lookup
}

TEST_F(NameLookup, TcpExecutorTimeoutSaysTheNameDidNotResolve) {
  mt::PortReservation port;
  const std::string name = fresh("stuck");
  mirakuru::TcpExecutor ex(mt::fixture("sleeper"), name, port.port(),
                           mirakuru::Options{.timeout = 500ms});
  expect_timeout_naming_the_lookup(ex, name);
}

// cpp-httplib would look the name up itself, without a bound: the HTTP probe resolves through the
// bounded lookup and hands cpp-httplib the address that accepted.
TEST_F(NameLookup, HttpExecutorBecomesReadyThroughASlowLookupWithOneLookup) {
  open_gate();
  dns_.delay = 300ms;
  mt::PortReservation port;
  const std::string name = fresh("slow-http");
  mirakuru::HttpExecutor ex(mt::fixture("http_server") + " --port " + port.str(),
                            "http://" + name + ":" + port.str() + "/health?probe=1", {},
                            mirakuru::Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 300);
  EXPECT_EQ(ex.last_check().detail, "HTTP 200");
  EXPECT_EQ(dns_.calls.load(), 1);  // cpp-httplib did not resolve the name on its own
  ex.stop();
  // The request itself went out through the address that accepted, path and query intact.
  EXPECT_NE(ex.output().find("HEAD /health?probe=1"), std::string::npos) << ex.output();
}

TEST_F(NameLookup, HttpExecutorTimeoutSaysTheNameDidNotResolve) {
  mt::PortReservation port;
  const std::string name = fresh("stuck-http");
  mirakuru::HttpExecutor ex(mt::fixture("sleeper"), "http://" + name + ":" + port.str() + "/", {},
                            mirakuru::Options{.timeout = 500ms});
  expect_timeout_naming_the_lookup(ex, name);
}

TEST(NameLookupSystem, HttpToLocalhostFindsAServerListeningOnIpv6Only) {
  mt::PortReservation port(AF_INET6);
  // "localhost" is tried as 127.0.0.1 first (refused), then ::1, where the server listens:
  // cpp-httplib must be pointed at the address that accepted.
  mirakuru::HttpExecutor ex(mt::fixture("http_server") + " --host ::1 --port " + port.str(),
                            "http://localhost:" + port.str() + "/health", {},
                            mirakuru::Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(ex.last_check().detail, "HTTP 200");
  ex.stop();
}

TEST(NameLookupSystem, LocalhostStillWorksEndToEnd) {
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(mt::fixture("tcp_server") + " --port " + port.str() + " --delay-ms 50",
                           "localhost", port.port(), mirakuru::Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_EQ(md::lookups_in_flight(), 0u);
}

}  // namespace
