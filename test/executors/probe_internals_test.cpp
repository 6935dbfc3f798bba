// The probes' private building blocks: the backoff schedule, URL parsing, message formatting.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <stdexcept>

#include "executor_test_support.hpp"
#include "executors/backoff.hpp"
#include "executors/messages.hpp"
#include "executors/tcp_connect.hpp"
#include "executors/url.hpp"

namespace {

using namespace std::chrono_literals;
namespace d = mirakuru::detail;
namespace mt = mirakuru::test;

TEST(Backoff, DenseAtFirstThenAnEighthOfTheTimeWaitedCapped) {
  const auto t0 = d::Backoff::Clock::now();
  d::Backoff b(250us, 20ms, t0);
  EXPECT_EQ(b.next(t0), 250us);
  EXPECT_EQ(b.next(t0 + 1ms), 250us);  // still the dense start
  EXPECT_EQ(b.next(t0 + 4ms), 500us);
  EXPECT_EQ(b.next(t0 + 80ms), 10ms);
  EXPECT_EQ(b.next(t0 + 1s), 20ms);  // capped
  b.reset(t0 + 1s);                  // output arrived: dense again
  EXPECT_EQ(b.next(t0 + 1s + 100us), 250us);
}

TEST(Backoff, ChecksGrowLogarithmicallyWithTheWait) {
  // Walk the schedule as the executor does: the number of checks in the first 100 ms stays
  // small even though the first ones are 250 us apart.
  const auto t0 = d::Backoff::Clock::now();
  d::Backoff b(250us, 20ms, t0);
  int checks = 0;
  for (auto t = t0; t < t0 + 100ms; t += b.next(t)) ++checks;
  EXPECT_GE(checks, 20);
  EXPECT_LE(checks, 45);
  // Lateness stays proportional: a service ready at 3 ms is seen within 0.4 ms.
  auto t = t0;
  while (t < t0 + 3ms) t += b.next(t);
  EXPECT_LE(t - (t0 + 3ms), 400us);
}

TEST(Backoff, NonsenseSettingsStillMakeProgress) {
  const auto t0 = d::Backoff::Clock::now();
  d::Backoff b(0us, 0us, t0);  // never a zero-length busy loop
  EXPECT_GE(b.next(t0), 1us);
  EXPECT_GE(b.next(t0 + 1s), 1us);
  d::Backoff inverted(5ms, 1ms, t0);  // a cap below the start: the start wins
  EXPECT_EQ(inverted.next(t0), 5ms);
  EXPECT_EQ(inverted.next(t0 + 1s), 5ms);
}

TEST(TcpConnect, EveryAddressIsTriedInTurn) {
  mt::PortReservation closed;  // bound, never listening: refused
  mt::PortReservation open;
  open.listen();
  std::vector<d::Endpoint> endpoints, second;
  std::string error;
  ASSERT_TRUE(d::resolve_tcp("127.0.0.1", closed.port(), endpoints, error)) << error;
  ASSERT_TRUE(d::resolve_tcp("127.0.0.1", open.port(), second, error)) << error;
  endpoints.insert(endpoints.end(), second.begin(), second.end());
  const auto deadline = std::chrono::steady_clock::now() + 5s;

  auto result = d::connect_any(endpoints, deadline, 250ms);
  EXPECT_TRUE(result.is_ready()) << result.detail;
  EXPECT_NE(result.detail.find(open.str()), std::string::npos) << result.detail;

  endpoints.pop_back();
  endpoints.push_back(endpoints.front());
  result = d::connect_any(endpoints, deadline, 250ms);
  EXPECT_FALSE(result.is_ready());
  EXPECT_EQ(result.detail, "127.0.0.1:" + closed.str() + ": connection refused; 127.0.0.1:" +
                               closed.str() + ": connection refused");
}

TEST(HttpUrl, KeepsPathAndQueryAsGiven) {
  auto u = d::parse_http_url("http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow#x");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 9200);
  EXPECT_EQ(u.target, "/_cluster/health?wait_for_status=yellow");
}

TEST(HttpUrl, DefaultsAndIpv6) {
  EXPECT_EQ(d::parse_http_url("http://example.com").port, 80);
  EXPECT_EQ(d::parse_http_url("http://example.com").target, "/");
  EXPECT_EQ(d::parse_http_url("HTTPS://example.com?x=1").target, "/?x=1");
  EXPECT_EQ(d::parse_http_url("https://example.com").port, 443);
  auto v6 = d::parse_http_url("http://[::1]:8080/a%20b");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8080);
  EXPECT_EQ(v6.target, "/a%20b");
}

TEST(HttpUrl, ErrorsNameTheUrl) {
  try {
    d::parse_http_url("http://host:99999/");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("http://host:99999/"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("1..65535"), std::string::npos);
  }
  EXPECT_THROW(d::parse_http_url("http://user:pw@host/"), std::invalid_argument);
  EXPECT_THROW(d::parse_http_url("http:///path"), std::invalid_argument);
}

TEST(Messages, Formatting) {
  EXPECT_EQ(d::with_thousands(0), "0");
  EXPECT_EQ(d::with_thousands(999), "999");
  EXPECT_EQ(d::with_thousands(2134), "2,134");
  EXPECT_EQ(d::with_thousands(1234567), "1,234,567");
  EXPECT_EQ(d::format_duration(250ms), "250 ms");
  EXPECT_EQ(d::format_duration(1500ms), "1.5 s");
  EXPECT_EQ(d::format_duration(60000ms), "60 s");
  EXPECT_EQ(d::format_duration(1234ms), "1234 ms");
  EXPECT_EQ(mirakuru::describe_returncode(3), "exited with code 3");
  EXPECT_EQ(mirakuru::describe_returncode(-SIGKILL), "was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(d::errno_text(ECONNREFUSED), "connection refused");
}

}  // namespace
