// Composite readiness (all_of / any_of) and counted banners (times).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::Executor;
using mirakuru::Options;
using mirakuru::OutputStreams;

TEST(Composite, AllOfWaitsForEveryPart) {
  mt::TempDir dir;
  mt::PortReservation port;
  const auto marker = dir / "ready";
  // The port accepts at once; the file appears 200 ms later.
  Executor ex(
      "(" + mt::fixture("tcp_server") + " --port " + port.str() + " &) ; sleep 0.2; touch " +
          marker.string() + "; exec " + mt::fixture("sleeper"),
      mirakuru::all_of(mirakuru::probe_list(mirakuru::make_tcp_probe("127.0.0.1", port.port()),
                                            mirakuru::make_file_probe(marker))),
      Options{.shell = true, .timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 200);
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(Composite, AnyOfIsReadyWithOnePart) {
  mt::PortReservation port;  // nobody will listen
  Executor ex(
      mt::fixture("banner") + " --delay-ms 50",
      mirakuru::any_of(mirakuru::probe_list(mirakuru::make_tcp_probe("127.0.0.1", port.port()),
                                            mirakuru::make_output_probe("READY"))),
      Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(ex.last_check().detail, "banner /READY/ on stdout/stderr");
}

TEST(Composite, ATimeoutNamesEveryPartAndWhatItSaw) {
  mt::PortReservation port;
  Executor ex(
      mt::fixture("sleeper"),
      mirakuru::all_of(mirakuru::probe_list(mirakuru::make_tcp_probe("127.0.0.1", port.port()),
                                            mirakuru::make_output_probe("READY"))),
      Options{.timeout = 300ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"all of (TCP 127.0.0.1:" + port.str(), "banner /READY/", "connection refused",
                    "banner not seen"},
           .at_least = 300ms,
           .under = 3s}));
}

TEST(Composite, AllOfFailsAtOnceWhenOnePartCanNeverHold) {
  mt::PortReservation port;
  // The output closes without the banner while the process runs on.
  Executor ex(
      mt::fixture("banner") + " --no-banner --close",
      mirakuru::all_of(mirakuru::probe_list(mirakuru::make_tcp_probe("127.0.0.1", port.port()),
                                            mirakuru::make_output_probe("READY"))),
      Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ExecutorError>(
      ex, {.says = {"can never become ready", "output has ended"}, .under = 3s}));
}

TEST(Composite, AnyOfIsAlreadyRunningWhenAPartsPortIsTaken) {
  mt::PortReservation port;
  port.listen();
  Executor ex(mt::fixture("sleeper"), mirakuru::any_of(mirakuru::probe_list(
                                          mirakuru::make_output_probe("READY"),
                                          mirakuru::make_tcp_probe("127.0.0.1", port.port()))));
  EXPECT_THROW(ex.start(), mirakuru::AlreadyRunning);
}

TEST(Composite, EmptyOrNullIsRejected) {
  EXPECT_THROW(mirakuru::all_of({}), std::invalid_argument);
  std::vector<std::unique_ptr<mirakuru::Probe>> with_null;
  with_null.push_back(nullptr);
  EXPECT_THROW(mirakuru::any_of(std::move(with_null)), std::invalid_argument);
}

TEST(CountedBanner, WaitsForTheNthMatchingLine) {
  // PostgreSQL prints "ready to accept connections" twice when initdb ran in the same process.
  mirakuru::OutputExecutor ex(
      "echo ready to accept connections; sleep 0.2; echo ready to accept "
      "connections; exec " +
          mt::fixture("sleeper"),
      "ready to accept", Options{.shell = true, .timeout = 20s}, OutputStreams::Both, 2);
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 200) << "the first banner must not be enough";
}

TEST(CountedBanner, ALineCountsOnceEvenWhenTwoOfItsPiecesMatch) {
  // "READY" lies where the first two 64 KiB pieces of the line overlap: seen twice, one line.
  mirakuru::OutputExecutor ex(mt::fixture("banner") + " --fill 61500", "READY",
                              Options{.timeout = 400ms}, OutputStreams::Both, 2);
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"banner seen 1 of 2 times in 1 line"}, .at_least = 400ms}));
}

TEST(CountedBanner, TimesMustBePositive) {
  EXPECT_THROW(
      mirakuru::OutputExecutor(mt::fixture("sleeper"), "READY", {}, OutputStreams::Both, 0),
      std::invalid_argument);
}

}  // namespace
