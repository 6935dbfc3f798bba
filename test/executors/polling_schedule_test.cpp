// The polling schedule seen from an executor: how many checks a wait costs, and that a timeout
// message says so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace mt = mirakuru::test;

TEST(PollingSchedule, ATimeoutCountsItsChecks) {
  mt::PortReservation port;  // bound, never listening: every check is refused
  mirakuru::TcpExecutor ex(mt::fixture("sleeper") + " 30", "127.0.0.1", port.port(),
                           mirakuru::Options{.timeout = 300ms});
  try {
    ex.start();
    FAIL() << "nothing listens on " << port.port() << ", yet start() returned";
  } catch (const mirakuru::TimeoutExpired& e) {
    EXPECT_THAT(e.what(), HasSubstr("; last of " + std::to_string(ex.checks()) + " checks: "));
    EXPECT_THAT(e.what(), HasSubstr("connection refused"));
  }
}

// A probe that does not say what its checks cost (next_check() is nullopt).
struct NeverReady : mirakuru::Probe {
  mirakuru::ProbeResult check() override { return mirakuru::ProbeResult::not_yet("no"); }
  std::string describe() const override { return "nothing"; }
};

TEST(PollingSchedule, ACustomProbeIsAskedOnABackoffThatGrowsLogarithmically) {
  mirakuru::Executor ex(mt::fixture("sleeper") + " 30", std::make_unique<NeverReady>(),
                        mirakuru::Options{.timeout = 300ms});
  EXPECT_THROW(ex.start(), mirakuru::TimeoutExpired);
  // Every 250 us for the first 2 ms, then an eighth of the time waited: ~8 + 8 ln(300 / 2) = 48
  // checks; a fixed 250 us poll would make 1200. A loaded machine only makes fewer.
  RecordProperty("checks", static_cast<int>(ex.checks()));
  EXPECT_GE(ex.checks(), 5u);
  EXPECT_LE(ex.checks(), 70u);
}

TEST(PollingSchedule, OutputWakesTheCheckWhenPollingAloneWouldNotComeInTime) {
  mt::PortReservation port;
  // The first check (at spawn) is refused: the server listens 100 ms later. The next polled check
  // would come after 10 s, past the 5 s deadline: only the "listening on" line can wake it.
  mirakuru::TcpExecutor ex(mt::fixture("tcp_server") + " --port " + port.str() + " --delay-ms 100",
                           "127.0.0.1", port.port(),
                           mirakuru::Options{.timeout = 5s,
                                             .poll_initial = 10s,
                                             .poll_max = 10s,
                                             .listen_events = false});  // (they would wake it too)
  const auto t0 = std::chrono::steady_clock::now();
  ex.start();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_GE(ex.checks(), 2u);  // the refused one at spawn, the one the line woke
  EXPECT_LE(ex.checks(), 4u);
  EXPECT_THAT(ex.output(), HasSubstr("listening on"));
  ex.stop();
}

}  // namespace
