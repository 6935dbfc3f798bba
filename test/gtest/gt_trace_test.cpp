// The run's timeline from the outside: gt_main_consumer run with --mirakuru_trace /
// MIRAKURU_TRACE and --mirakuru_summary, the trace file loaded and its events checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "gt_support.hpp"

namespace {

using mirakuru::gtest_test::run;
using mirakuru::gtest_test::RunResult;
using mirakuru::gtest_test::two_servers;
using mirakuru::gtest_test::write_config;
using mirakuru::test::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kConsumer = GT_MAIN_CONSUMER;

std::string Show(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + ", output:\n" + r.output;
}

// The trace's tracks (thread_name metadata) and its events by track.
struct Trace {
  std::map<std::pair<int, int>, std::string> track_names;  // (pid, tid) -> name
  std::multimap<std::string, nlohmann::json> by_track;     // "X" and "i" events

  explicit Trace(const std::filesystem::path& file) {
    std::ifstream in(file);
    nlohmann::json doc = nlohmann::json::parse(in);  // throws (fails the test) when invalid
    for (const auto& e : doc.at("traceEvents")) {
      if (e.at("ph") == "M" && e.at("name") == "thread_name") {
        track_names[{e.at("pid").get<int>(), e.at("tid").get<int>()}] = e["args"]["name"];
      }
    }
    for (const auto& e : doc.at("traceEvents")) {
      if (e.at("ph") == "M") continue;
      by_track.emplace(track_names.at({e.at("pid").get<int>(), e.at("tid").get<int>()}), e);
    }
  }

  std::vector<nlohmann::json> named(const std::string& track, const std::string& name) const {
    std::vector<nlohmann::json> out;
    auto [from, to] = by_track.equal_range(track);
    for (auto it = from; it != to; ++it) {
      if (it->second.at("name") == name) out.push_back(it->second);
    }
    return out;
  }
};

class GtestTrace : public ::testing::Test {
 protected:
  GtestTrace() { config_ = write_config(dir_.path(), two_servers()); }

  RunResult Run(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                const std::string& signal_when = "") const {
    env["TEST_TMPDIR"] = dir_.path().string();
    env["MIRAKURU_LOG_DIR"] = dir_.path().string();
    argv.insert(argv.begin(), {kConsumer, "--mirakuru_services=" + config_.string()});
    return run(argv, env, std::chrono::seconds(60), signal_when, SIGINT);
  }

  TempDir dir_;
  std::filesystem::path config_;
  std::filesystem::path trace_ = dir_.path() / "trace.json";
};

TEST_F(GtestTrace, OneTrackPerServiceWithStartsStopsAndTheTests) {
  auto r = Run({"--gtest_filter=Consumer.*", "--mirakuru_trace=" + trace_.string()});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  const Trace trace(trace_);

  for (const char* service : {"alpha", "beta"}) {
    auto starts = trace.named(service, "start");
    ASSERT_EQ(starts.size(), 1u) << service;
    EXPECT_EQ(starts[0].at("ph"), "X");
    EXPECT_GT(starts[0].at("dur").get<long long>(), 0);
    EXPECT_GE(starts[0]["args"].at("checks").get<long long>(), 1) << starts[0].dump();
    ASSERT_EQ(trace.named(service, "spawn").size(), 1u) << service;
    const auto spawn = trace.named(service, "spawn")[0];  // nested inside the start
    EXPECT_GE(spawn.at("ts").get<long long>(), starts[0].at("ts").get<long long>());
    ASSERT_EQ(trace.named(service, "stop").size(), 1u) << service;
  }
  // beta depends on alpha: it starts after alpha is ready, and the chain says so.
  EXPECT_GE(trace.named("beta", "start")[0].at("ts").get<long long>(),
            trace.named("alpha", "start")[0].at("ts").get<long long>() +
                trace.named("alpha", "start")[0].at("dur").get<long long>());
  auto sets = trace.named("set", "start");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_THAT(sets[0]["args"].at("critical_chain").get<std::string>(),
              ::testing::MatchesRegex("alpha [0-9.]+ ms → beta [0-9.]+ ms"));
  auto tests = trace.named("tests", "Consumer.Answers");
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0]["args"].at("result"), "passed");
  EXPECT_EQ(trace.named("tests", "Consumer.PrintsPid").size(), 1u);
}

// The summary's spawn→ready matches the library's own debug log of the same run.
TEST_F(GtestTrace, SummaryTableAgreesWithTheDebugLog) {
  auto r = Run({"--gtest_filter=Consumer.Answers", "--mirakuru_summary",
                "--mirakuru_trace=" + trace_.string()},
               {{"MIRAKURU_LOG", "debug"}});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[ mirakuru ] summary: service starts and stops"));
  EXPECT_THAT(r.output, HasSubstr("critical chain of the slowest of 1 set start(s)"));
  // "  alpha  1  0  12.3 ms  12.3 ms  1  1.2 ms"
  std::smatch row;
  const std::regex alpha_row(R"(\n  alpha +1 +0 +([0-9.]+) ms +([0-9.]+) ms +1 +[0-9.]+ ms\n)");
  ASSERT_TRUE(std::regex_search(r.output, row, alpha_row)) << r.output;
  const double summary_ms = std::stod(row[1]);
  // The executor's debug line: "... ready after N us, K check(s) (...)" for alpha's command.
  std::smatch log;
  const std::regex ready(
      R"(gt_server\S* --name alpha[^\n]*ready after ([0-9]+) us, ([0-9]+) check)");
  ASSERT_TRUE(std::regex_search(r.output, log, ready)) << r.output;
  const double log_ms = std::stod(log[1]) / 1000.0;
  EXPECT_NEAR(summary_ms, log_ms, 0.5) << r.output;
  const Trace trace(trace_);
  EXPECT_EQ(trace.named("alpha", "start").at(0)["args"].at("checks").get<long long>(),
            std::stoll(log[2]));
}

// MIRAKURU_TRACE alone, and a run interrupted by SIGINT: the file is still written, valid, and
// marks the interruption.
TEST_F(GtestTrace, WrittenWhenTheRunIsInterrupted) {
  auto r = Run({"--gtest_filter=Waiter.*"},
               {{"GT_BLOCK", "1"}, {"MIRAKURU_TRACE", trace_.string()}}, "GT_BLOCKING");
  EXPECT_EQ(r.exit_code, -SIGINT) << Show(r);
  const Trace trace(trace_);
  EXPECT_EQ(trace.named("alpha", "start").size(), 1u);
  EXPECT_EQ(trace.named("set", "interrupted by signal 2 (SIGINT)").size(), 1u) << Show(r);
}

// Two processes naming the same file merge into one valid trace, one pid each.
TEST_F(GtestTrace, TwoProcessesMergeIntoOneFile) {
  for (int k = 0; k < 2; ++k) {
    auto r = Run({"--gtest_filter=Consumer.Answers"}, {{"MIRAKURU_TRACE", trace_.string()}});
    ASSERT_EQ(r.exit_code, 0) << Show(r);
  }
  const Trace trace(trace_);
  auto starts = trace.named("alpha", "start");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_NE(starts[0].at("pid"), starts[1].at("pid"));
  EXPECT_EQ(trace.named("tests", "Consumer.Answers").size(), 2u);
}

TEST_F(GtestTrace, AFlagWithoutItsFileIsAnError) {
  auto r = Run({"--gtest_filter=Consumer.Answers", "--mirakuru_trace="});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("--mirakuru_trace needs a file"));
}

}  // namespace
