// The timeline (<mirakuru/timeline.hpp>, core/process/timeline.hpp): spans, tracks, the trace
// file (merge, %p, a file that holds no trace), the summary table, and the progress lines.
#include "mirakuru/timeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "executors/progress.hpp"
#include "mirakuru/executor.hpp"
#include "mirakuru/executors.hpp"
#include "process/timeline.hpp"
#include "services/critical_chain.hpp"
#include "test_support.hpp"

namespace {

namespace tl = mirakuru::timeline;
using mirakuru::test::TempDir;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::vector<tl::Event> since(std::size_t first) {
  auto all = tl::events();
  return {all.begin() + static_cast<std::ptrdiff_t>(std::min(first, all.size())), all.end()};
}

nlohmann::json load(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

TEST(Timeline, SpansRecordOnTheirThreadsTrackAndMarkFailures) {
  tl::enable_summary();
  const std::size_t first = tl::events().size();
  {
    mirakuru::detail::timeline::TrackScope track("db");
    mirakuru::detail::timeline::Span span("fallback", "start");
    span.arg("checks", std::int64_t{3});
  }
  try {
    mirakuru::detail::timeline::Span span("fallback", "stop");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  auto events = since(first);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].track, "db");
  EXPECT_EQ(events[0].name, "start");
  EXPECT_EQ(std::get<std::int64_t>(events[0].args.at(0).second), 3);
  EXPECT_EQ(events[1].track, "fallback");  // the scope ended
  ASSERT_EQ(events[1].args.size(), 1u);
  EXPECT_EQ(events[1].args[0].first, "outcome");
  EXPECT_EQ(std::get<std::string>(events[1].args[0].second), "failed");
}

TEST(Timeline, ABareExecutorsTrackIsItsProgram) {
  EXPECT_EQ(mirakuru::detail::timeline::program_track({"/usr/bin/redis-server", "--port"}, ""),
            "redis-server");
  EXPECT_EQ(mirakuru::detail::timeline::program_track({}, "/bin/sh -c 'x'"), "sh");
}

TEST(Timeline, ExecutorStartsNestTheirSpawnAndCountChecks) {
  tl::enable_summary();
  const std::size_t first = tl::events().size();
  mirakuru::OutputExecutor executor({mirakuru::test::fixture("banner"), "--delay-ms", "20"},
                                    "READY", mirakuru::Options{.timeout = milliseconds(5000)});
  executor.start();
  executor.stop();
  auto events = since(first);
  ASSERT_EQ(events.size(), 3u);  // spawn (ends first), start, stop
  EXPECT_EQ(events[0].name, "spawn");
  EXPECT_EQ(events[1].name, "start");
  EXPECT_EQ(events[2].name, "stop");
  EXPECT_EQ(events[1].track, "mk_banner");
  EXPECT_LE(events[1].begin, events[0].begin);
  EXPECT_GE(events[1].end, events[0].end);
  bool has_checks = false;
  for (const auto& [key, value] : events[1].args) {
    if (key == "checks") has_checks = std::get<std::int64_t>(value) >= 1;
  }
  EXPECT_TRUE(has_checks);
}

TEST(Timeline, TraceFilesMergeAcrossWritersAndReplaceWhatIsNoTrace) {
  TempDir dir;
  const auto file = dir.path() / "t.json";
  { std::ofstream(file) << "not json"; }
  const auto t0 = tl::Clock::now();
  using mirakuru::detail::timeline::write_trace_file;
  ASSERT_TRUE(write_trace_file(file, {{"db", "start", t0, t0 + milliseconds(5), {}}}, 100001));
  ASSERT_TRUE(write_trace_file(file, {{"db", "stop", t0, t0 + milliseconds(1), {}}}, 100002));
  const auto doc = load(file);
  int complete = 0;
  std::set<int> pids;
  for (const auto& e : doc.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    ++complete;
    pids.insert(e.at("pid").get<int>());
    EXPECT_EQ(e.at("dur").get<long long>(), e.at("name") == "start" ? 5000 : 1000);
  }
  EXPECT_EQ(complete, 2);
  EXPECT_EQ(pids, (std::set<int>{100001, 100002}));
}

TEST(Timeline, PercentPGivesEachProcessItsOwnFile) {
  TempDir dir;
  const auto t0 = tl::Clock::now();
  ASSERT_TRUE(mirakuru::detail::timeline::write_trace_file(dir.path() / "trace-%p.json",
                                                           {{"db", "start", t0, t0, {}}}, 4242));
  const auto doc = load(dir.path() / "trace-4242.json");
  EXPECT_EQ(doc.at("traceEvents").back().at("ph"), "i");  // begin == end: an instant
  // Private, like the logs: a trace names commands, paths and tests.
  EXPECT_EQ(std::filesystem::status(dir.path() / "trace-4242.json").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(Timeline, AnUnwritableTraceFileIsReportedNotThrown) {
  EXPECT_FALSE(mirakuru::detail::timeline::write_trace_file("/nonexistent-dir/x/trace.json", {},
                                                            ::getpid()));
}

TEST(Timeline, SummaryListsServicesAndTheCriticalChain) {
  const auto t0 = tl::Clock::now();
  std::vector<tl::Event> events{
      {"db", "spawn", t0, t0 + milliseconds(1), {}},
      {"db", "start", t0, t0 + milliseconds(800), {{"checks", std::int64_t{4}}}},
      {"api", "start", t0 + milliseconds(800), t0 + milliseconds(1100), {}},
      {"api", "start", t0, t0 + milliseconds(50), {{"outcome", std::string("failed")}}},
      {"set",
       "start",
       t0,
       t0 + milliseconds(1100),
       {{"critical_chain", std::string("db 800.0 ms → api 300.0 ms")}}},
      {"tests", "A.B", t0, t0 + milliseconds(2), {}},
      {"api", "stop", t0, t0 + milliseconds(3), {}},
  };
  const std::string text = tl::summary(events);
  EXPECT_THAT(text, HasSubstr("\n  service  starts  failed  spawn→ready total   slowest  stops  "
                              "stop total\n"
                              "  db            1       0           800.0 ms  800.0 ms      0  "
                              "    0.0 ms\n"
                              "  api           2       1           350.0 ms  300.0 ms      1  "
                              "    3.0 ms\n"));
  EXPECT_THAT(text, HasSubstr("critical chain of the slowest of 1 set start(s) (1100.0 ms): "
                              "db 800.0 ms → api 300.0 ms"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("A.B")));
  EXPECT_EQ(tl::summary({}), "");
}

TEST(Timeline, CriticalChainFollowsTheLastReadyDependency) {
  mirakuru::detail::DependencyGraph graph;
  graph.deps = {{}, {}, {0, 1}};  // c waits for a and b
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<mirakuru::detail::ServiceTiming> timings{
      {t0, t0 + milliseconds(100)},
      {t0, t0 + milliseconds(300)},
      {t0 + milliseconds(300), t0 + milliseconds(350)}};
  EXPECT_EQ(mirakuru::detail::critical_chain({"a", "b", "c"}, graph, timings),
            "b 300.0 ms → c 50.0 ms");
}

TEST(Progress, OneLineAfterTheIntervalThenOnePerInterval) {
  using mirakuru::detail::Progress;
  const auto t0 = Progress::Clock::now();
  Progress progress(t0, milliseconds(60'000), milliseconds(5000));
  EXPECT_EQ(progress.next(), t0 + milliseconds(5000));
  ::testing::internal::CaptureStderr();
  progress.report(t0 + milliseconds(4999), "redis", "refused");  // not yet
  progress.report(t0 + milliseconds(5001), "redis", "connection refused");
  progress.report(t0 + milliseconds(6000), "redis", "connection refused");  // not again yet
  progress.report(t0 + milliseconds(10'000), "redis", "");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out,
            "[ mirakuru ] still waiting for 'redis': 5.0 s of 60 s; last check: connection "
            "refused\n[ mirakuru ] still waiting for 'redis': 10.0 s of 60 s; not checked "
            "yet\n");
  EXPECT_EQ(progress.next(), t0 + milliseconds(15'000));
}

TEST(Progress, OffWhenZeroOrLongerThanTheTimeout) {
  using mirakuru::detail::Progress;
  const auto t0 = Progress::Clock::now();
  EXPECT_EQ(Progress(t0, milliseconds(1000), milliseconds(0)).next(),
            Progress::Clock::time_point::max());
  EXPECT_EQ(Progress(t0, milliseconds(1000), milliseconds(5000)).next(),
            Progress::Clock::time_point::max());
}

}  // namespace

namespace {

// In a fresh process (MIRAKURU_PROGRESS is read once): a start that waits longer than the
// interval prints progress lines on stderr while it waits.
TEST(ProgressDeathTest, ASlowStartSaysSoWhileItWaits) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("MIRAKURU_PROGRESS", "100ms", 1);  // NOLINT(concurrency-mt-unsafe)
        mirakuru::OutputExecutor executor({mirakuru::test::fixture("banner"), "--delay-ms", "450"},
                                          "READY",
                                          mirakuru::Options{.timeout = std::chrono::seconds(5)});
        executor.start();
        executor.stop();
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0),
      "still waiting for '[^']*mk_banner --delay-ms 450': 0\\.[1-4] s of 5 s; last check: .*\n"
      ".*still waiting for");
}

}  // namespace
