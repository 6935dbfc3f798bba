// Runs gt_between_tests, whose tests make a service die between two tests (after one test has
// ended and before the next starts, awaited on the process), and checks what the layer
// reports: the next test FAILED naming the service, how it died and both tests; the test that
// arranged the death passed; the death reported once; nothing left running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gt_support.hpp"

namespace {

using mirakuru::gtest_test::markers;
using mirakuru::gtest_test::RunResult;
using mirakuru::gtest_test::tagged;
using mirakuru::test::gone_within;
using mirakuru::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBetween = GT_BETWEEN_TESTS;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class BetweenTests : public ::testing::Test {
 protected:
  BetweenTests() {
    std::filesystem::create_directory(marker_dir_);
    std::filesystem::create_directory(logs_);
  }

  RunResult Run(const std::vector<std::string>& args,
                std::map<std::string, std::string> env = {}) const {
    std::vector<std::string> argv = {kBetween};
    argv.insert(argv.end(), args.begin(), args.end());
    env["GT_MARKER_DIR"] = marker_dir_.string();
    env["MIRAKURU_LOG_DIR"] = logs_.string();
    env["TEST_TMPDIR"] = dir_.path().string();  // a failed service's kept tmpdir lands here
    return mirakuru::gtest_test::run(argv, env, std::chrono::seconds(60));
  }

  // The failure messages GoogleTest recorded for each test of a --gtest_output=json report.
  std::map<std::string, std::vector<std::string>> Failures() const {
    return mirakuru::gtest_test::report_failures(report_);
  }

  // Every server the run started is gone; those not killed on purpose were stopped cleanly.
  void ExpectAllGone(const std::vector<std::string>& killed) const {
    auto all = markers(marker_dir_);
    EXPECT_FALSE(all.empty());
    for (const auto& m : all) {
      EXPECT_TRUE(gone_within(m.pid, std::chrono::seconds(5))) << m.name << " " << m.pid;
      bool was_killed = std::find(killed.begin(), killed.end(), m.name) != killed.end();
      EXPECT_EQ(m.stopped(), !was_killed) << m.name << ": " << m.content;
    }
  }

  static std::string Show(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
           ", output:\n" + r.output;
  }

  TempDir dir_;
  std::filesystem::path marker_dir_ = dir_.path() / "markers";
  std::filesystem::path logs_ = dir_.path() / "logs";
  std::filesystem::path report_ = dir_.path() / "report.json";
};

TEST_F(BetweenTests, KilledBetweenTwoTestsFailsTheNextOneNamingBoth) {
  auto r = Run({"--gtest_filter=Between.*", "--gtest_output=json:" + report_.string()});
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_DEAD alpha -9"));  // dead before Between.B started
  EXPECT_THAT(r.output, HasSubstr("[       OK ] Between.A"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] Between.B"));
  EXPECT_THAT(r.output, HasSubstr("[       OK ] Between.C"));  // reported once, on B only

  const std::string message =
      "mirakuru: service 'alpha' of global ServiceEnvironment #0 (pid " +
      std::to_string(markers(marker_dir_, "alpha").at(0).pid) +
      ") was killed by signal 9 (SIGKILL) between two tests: after Between.A ended, before "
      "Between.B started.";
  EXPECT_THAT(r.output, HasSubstr(message));
  EXPECT_EQ(count(r.output, "mirakuru: service 'alpha'"), 1u) << Show(r);
  // Reported when B starts, before its body runs (which still runs, against what is left).
  auto reported = r.output.find(message);
  EXPECT_LT(r.output.find("[ RUN      ] Between.B"), reported);
  EXPECT_LT(reported, r.output.find("GT_BODY Between.B"));
  EXPECT_THAT(r.output, HasSubstr("GT_ALPHA_RUNNING 0"));
  // Its output tail and the path of its full log.
  EXPECT_THAT(r.output, HasSubstr("  stdout (last lines):\n    gt_server alpha listening on"));
  EXPECT_THAT(r.output, HasSubstr("  full log: " + (logs_ / "mk-alpha-p").string()));
  // Stopping the set at the end does not report the same death again as a failure.
  EXPECT_THAT(r.output, HasSubstr("(its death was reported above)"));
  EXPECT_THAT(r.output, Not(HasSubstr("stopping the services of global ServiceEnvironment #0 "
                                      "failed")));

  auto failures = Failures();
  EXPECT_TRUE(failures["Between.A"].empty());
  ASSERT_EQ(failures["Between.B"].size(), 1u);
  EXPECT_THAT(failures["Between.B"][0], HasSubstr(message));
  EXPECT_TRUE(failures["Between.C"].empty());
  ExpectAllGone({"alpha"});
}

TEST_F(BetweenTests, ExitBetweenTwoSuitesFailsTheFirstTestOfTheNext) {
  auto r =
      Run({"--gtest_filter=FirstSuite.*:SecondSuite.*", "--gtest_output=json:" + report_.string()});
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_DEAD alpha 0"));  // in FirstSuite's TearDownTestSuite
  EXPECT_THAT(r.output, HasSubstr("[       OK ] FirstSuite.A"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] SecondSuite.B"));
  EXPECT_THAT(r.output, HasSubstr("exited with code 0 between two tests: after FirstSuite.A "
                                  "ended, before SecondSuite.B started."));
  EXPECT_THAT(r.output, HasSubstr("    gt_server alpha: SIGTERM, stopping\n"));  // output tail
  EXPECT_EQ(count(r.output, "mirakuru: service 'alpha'"), 1u) << Show(r);

  auto failures = Failures();
  EXPECT_TRUE(failures["FirstSuite.A"].empty());
  ASSERT_EQ(failures["SecondSuite.B"].size(), 1u);
  EXPECT_THAT(failures["SecondSuite.B"][0], HasSubstr("service 'alpha'"));
  ExpectAllGone({});  // alpha's own SIGTERM handler ran: it stopped cleanly, by itself
}

TEST_F(BetweenTests, SuiteServiceKilledBetweenItsTestsFailsTheNextOfThem) {
  auto r = Run({"--gtest_filter=OwnSuite.*"});
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_DEAD gamma -9"));
  EXPECT_THAT(r.output, HasSubstr("[       OK ] OwnSuite.A"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] OwnSuite.B"));
  EXPECT_THAT(r.output, HasSubstr("mirakuru: service 'gamma' of test suite OwnSuite (pid "));
  EXPECT_THAT(r.output, HasSubstr("was killed by signal 9 (SIGKILL) between two tests: after "
                                  "OwnSuite.A ended, before OwnSuite.B started."));
  EXPECT_EQ(count(r.output, "mirakuru: service"), 1u) << Show(r);  // alpha, beta: no deaths
  ExpectAllGone({"gamma"});
}

TEST_F(BetweenTests, DeathAfterTheLastTestFailsTheTearDownSayingWhen) {
  auto r = Run({"--gtest_filter=Between.A"});
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_DEAD alpha -9"));
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 1 test."));
  EXPECT_THAT(r.output, HasSubstr("mirakuru: service 'alpha' of global ServiceEnvironment #0"));
  EXPECT_THAT(r.output, HasSubstr("was killed by signal 9 (SIGKILL) after the last test, "
                                  "Between.A, ended, before the services were stopped."));
  EXPECT_THAT(r.output, HasSubstr("    gt_server alpha listening on"));
  // Said once, in those words, not again as stop()'s "unexpected exit code".
  EXPECT_EQ(count(r.output, "SIGKILL"), 2u) << Show(r);  // the message and the stop note
  EXPECT_THAT(r.output, HasSubstr("(its death was reported above)"));
  ExpectAllGone({"alpha"});
}

TEST_F(BetweenTests, LauncherThatDaemonizedDuringStartIsNoDeath) {
  auto r = Run({"--gtest_filter=Daemonized.*"}, {{"GT_DAEMON", "1"}});
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 2 tests."));
  EXPECT_THAT(r.output, Not(HasSubstr("mirakuru: service")));
  auto daemon = tagged(r.output, "GT_DAEMON_PID ");
  ASSERT_EQ(daemon.size(), 1u) << Show(r);
  pid_t pid = static_cast<pid_t>(std::stol(daemon[0]));
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(gone_within(pid, std::chrono::seconds(5)));  // stopping the set killed it
  ExpectAllGone({});
}

}  // namespace
