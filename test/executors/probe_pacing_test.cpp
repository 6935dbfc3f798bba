// Readiness 2.0 pacing: checks that reach the application are polite even when the service logs
// every one of them (no request storm); checks that cost it nothing are dense.
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
using mirakuru::HttpExecutor;
using mirakuru::Options;

// The bound: at most 60 requests in the 2 s a warming-up server refuses them.
constexpr int kPoliteIn2s = 60;

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class WarmingUpServer : public ::testing::TestWithParam<int> {};

TEST_P(WarmingUpServer, ThatLogsEveryRequestGetsNoRequestStorm) {
  // Every request makes the server log a line, and every line wakes the probe: before pacing,
  // that loop sent thousands of requests in 2 s.
  const int status = GetParam();
  mt::PortReservation port;
  HttpExecutor ex(mt::fixture("http_server") + " --port " + port.str() +
                      " --warmup-ms 2000 --warmup-status " + std::to_string(status),
                  "http://127.0.0.1:" + port.str() + "/health", {}, Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  const auto took = sw.elapsed();
  const std::string out = mt::output_with(ex, "-> 200");
  const int refused = count(out, "-> " + std::to_string(status));
  RecordProperty("requests_while_warming_up", refused);
  EXPECT_LE(refused, kPoliteIn2s) << out.substr(0, 2000);
  EXPECT_GE(refused, 10) << "the probe kept asking while the server warmed up";
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 2s + 1s) << "seen late: the paced interval is capped at 100 ms";
}

INSTANTIATE_TEST_SUITE_P(Status, WarmingUpServer, ::testing::Values(503, 404));

TEST(ProbePacing, AServerThatWritesALinePerConnectionGetsNoConnectionStorm) {
  // It accepts and closes every connection without answering HTTP: each request fails, each
  // connection is a line of output.
  mt::PortReservation port;
  HttpExecutor ex(mt::fixture("tcp_server") + " --port " + port.str() + " --log-connections",
                  "http://127.0.0.1:" + port.str() + "/", {}, Options{.timeout = 2s});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(ex, {.at_least = 2s, .under = 4s}));
  const int connections = count(ex.output(), "connection ");
  RecordProperty("connections", connections);
  EXPECT_LE(connections, kPoliteIn2s + 2) << ex.output().substr(0, 2000);
  EXPECT_GE(connections, 5);
}

TEST(ProbePacing, AFailingCheckCommandIsPacedWhileTheServiceChatters) {
  // The service prints a line every millisecond; each line wakes the wait.
  mt::TempDir dir;
  const auto runs = dir / "runs";
  mirakuru::ExecProbeExecutor ex(
      mt::fixture("banner") + " --no-banner --tick-ms 1",
      mirakuru::Command({"/bin/sh", "-c", "echo run >> " + runs.string() + "; exit 1"}),
      Options{.timeout = 2s});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(ex, {.at_least = 2s, .under = 4s}));
  std::ifstream in(runs);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int checks = count(text, "run");
  RecordProperty("check_runs", checks);
  EXPECT_LE(checks, kPoliteIn2s);
  EXPECT_GE(checks, 5);
  EXPECT_GE(count(ex.output(), "tick"), 100) << "the service chattered throughout";
}

TEST(ProbePacing, TheTcpPhaseIsDense) {
  // Without listen events (opted out, or where the kernel has none) a silent server (no output
  // to wake the wait) listening 300 ms after start is seen within about one poll interval
  // (250 us) — the old backoff waited up to T/8 = 37 ms here.
  mt::PortReservation port;
  mirakuru::TcpExecutor ex(
      mt::fixture("tcp_server") + " --quiet --delay-ms 300 --port " + port.str(), "127.0.0.1",
      port.port(), Options{.timeout = 20s, .listen_events = false});
  ex.start();
  // ~1200 connects in 300 ms at 250 us; a loaded machine makes fewer. The backoff made ~40.
  RecordProperty("checks", static_cast<int>(ex.checks()));
  EXPECT_GE(ex.checks(), 150u);
}

}  // namespace
