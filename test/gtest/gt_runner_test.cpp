// Runs the GoogleTest-layer test binaries as subprocesses and checks what GoogleTest's own
// machinery does with them: exit status, output, and that no service outlives the runner.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "gt_support.hpp"

namespace {

using mirakuru::gtest_test::markers;
using mirakuru::gtest_test::run;
using mirakuru::gtest_test::RunResult;
using mirakuru::gtest_test::tagged;
using mirakuru::gtest_test::two_servers;
using mirakuru::gtest_test::write_config;
using mirakuru::test::gone_within;
using mirakuru::test::TempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kConsumer = GT_MAIN_CONSUMER;
const std::string kFailFixtures = GT_FAIL_FIXTURES;
const std::string kDeath = GT_DEATH_TEST;
const std::string kSuiteFixture = GT_SUITE_FIXTURE;
const std::string kTestFixture = GT_TEST_FIXTURE;

class GtestLayerRunner : public ::testing::Test {
 protected:
  GtestLayerRunner() {
    std::filesystem::create_directory(marker_dir_);
    std::filesystem::create_directory(dir_.path() / "logs");
    config_ = write_config(dir_.path(), two_servers(marker_dir_.string()));
  }

  // Every server a run started must be gone and, unless told otherwise, stopped cleanly —
  // and then its service set removed its temporary directories too.
  void ExpectAllStopped(bool clean = true, bool dirs_removed = true) {
    for (const auto& m : markers(marker_dir_)) {
      EXPECT_TRUE(gone_within(m.pid, std::chrono::seconds(5))) << m.name << " " << m.pid;
      if (clean) {
        EXPECT_TRUE(m.stopped()) << m.name << " was not stopped gracefully";
      }
    }
    if (!clean || !dirs_removed) return;  // a failed service keeps its tmpdir for inspection
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      auto name = entry.path().filename().string();
      if (entry.is_directory() && name != "markers" && name != "logs") {
        ADD_FAILURE() << "left behind: " << entry.path();
      }
    }
  }

  // Runs a test binary with its markers and logs in this test's directory.
  RunResult Run(const std::vector<std::string>& argv, std::map<std::string, std::string> env = {},
                std::chrono::seconds timeout = std::chrono::seconds(60),
                const std::string& signal_when = "", int sig = SIGINT) const {
    env["GT_MARKER_DIR"] = marker_dir_.string();
    env["MIRAKURU_LOG_DIR"] = (dir_.path() / "logs").string();
    // Failed services keep their tmpdir for inspection: keep it inside this test's directory.
    env["TEST_TMPDIR"] = dir_.path().string();
    return run(argv, env, timeout, signal_when, sig);
  }

  // The service logs a run left in its log directory (MIRAKURU_KEEP_LOGS decides).
  std::vector<std::string> Logs() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "logs")) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  static std::string Show(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
           ", output:\n" + r.output;
  }

  // Runs Consumer.PrintsPid three times (--gtest_repeat=3, plus `flags`): `alphas` different
  // alpha processes served the three runs, each started once, all stopped at the end.
  void ExpectRepeatServedBy(std::size_t alphas, const std::vector<std::string>& flags = {}) {
    std::vector<std::string> argv{kConsumer, "--mirakuru_services=" + config_.string(),
                                  "--gtest_filter=Consumer.PrintsPid", "--gtest_repeat=3"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = Run(argv);
    ASSERT_EQ(r.exit_code, 0) << Show(r);
    auto pids = tagged(r.output, "GT_PID alpha=");
    ASSERT_EQ(pids.size(), 3u) << r.output;
    EXPECT_EQ(std::set<std::string>(pids.begin(), pids.end()).size(), alphas);
    EXPECT_EQ(markers(marker_dir_, "alpha").size(), alphas);
    ExpectAllStopped();
  }

  TempDir dir_;
  std::filesystem::path marker_dir_ = dir_.path() / "markers";
  std::filesystem::path config_;
};

TEST_F(GtestLayerRunner, MainWithServicesFlag) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Consumer.*"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 2 tests"));
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  EXPECT_EQ(markers(marker_dir_, "beta").size(), 1u);
  ExpectAllStopped();
  EXPECT_THAT(Logs(), IsEmpty());  // every test passed: MIRAKURU_KEEP_LOGS=failed removed them
  EXPECT_THAT(r.output, Not(HasSubstr("are kept")));
}

TEST_F(GtestLayerRunner, KeepLogsAlwaysKeepsThoseOfAPassingRun) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Consumer.*"},
               {{"MIRAKURU_KEEP_LOGS", "always"}});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_EQ(Logs().size(), 2u);
  EXPECT_THAT(r.output, HasSubstr("the logs of global ServiceEnvironment #0 are kept "
                                  "(MIRAKURU_KEEP_LOGS=always):\n  alpha: "));
}

TEST_F(GtestLayerRunner, MainWithServicesFlagAsTwoArguments) {
  auto r = Run({kConsumer, "--mirakuru_services", config_.string(), "--gtest_filter=Consumer.*"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, MainWithEnvironmentVariableListingTwoFiles) {
  nlohmann::json gamma = {
      {"services", {{"gamma", mirakuru::gtest_test::server("gamma", marker_dir_.string())}}}};
  auto second = write_config(dir_.path(), gamma, "gamma.json");
  auto r = Run({kConsumer, "--gtest_filter=Consumer.*"},
               {{"MIRAKURU_SERVICES", config_.string() + ":" + second.string()}});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  EXPECT_EQ(markers(marker_dir_, "gamma").size(), 1u);  // the second environment ran too
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, ServiceFailingToStartFailsTheRunAndLeavesNothing) {
  auto failing = write_config(dir_.path(), two_servers(marker_dir_.string(), 3), "failing.json");
  auto r = Run({kConsumer, "--mirakuru_services=" + failing.string()});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.output, HasSubstr("beta"));
  EXPECT_THAT(r.output, HasSubstr("failing on purpose with exit code 3"));  // its output tail
  EXPECT_THAT(r.output, HasSubstr("did not start"));
  EXPECT_THAT(r.output, Not(HasSubstr("GT_PID")));  // no test body ran
  // FAILED, not SKIPPED: ctest counts a skipped test as passed.
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] Consumer.Answers"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] Consumer.PrintsPid"));
  EXPECT_THAT(r.output, HasSubstr("did not run: the services of global ServiceEnvironment #0"));
  EXPECT_THAT(r.output, Not(HasSubstr("[  SKIPPED ]")));
  // One clear failure per test: no "Skipped" part result printed under it as well.
  EXPECT_THAT(r.output, Not(HasSubstr("Skipped")));
  ASSERT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  EXPECT_TRUE(markers(marker_dir_, "alpha")[0].stopped());  // stopped by the layer, not killed
  ExpectAllStopped(/*clean=*/false);                        // beta exited by itself
}

TEST_F(GtestLayerRunner, FixturesFailingToStartFailEachTest) {
  auto r = Run({kFailFixtures});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] FailingSuite.First"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] FailingSuite.Second"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] FailingPerTest.Body"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] MissingFile.Body"));
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/mirakuru/services.json"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] ForgetsBaseSetUp.UsesServices"));
  EXPECT_THAT(r.output, HasSubstr("ServiceTest::SetUp() was not called; a fixture that overrides "
                                  "SetUp() must call ServiceTest::SetUp() first"));
  EXPECT_THAT(r.output, HasSubstr("[       OK ] Unaffected.Passes"));
  EXPECT_THAT(r.output, HasSubstr("failing on purpose with exit code 3"));
  EXPECT_THAT(r.output, Not(HasSubstr("BODY RAN")));
  EXPECT_EQ(markers(marker_dir_, "suite_ok").size(), 1u);  // the suite tried once
  EXPECT_EQ(markers(marker_dir_, "test_ok").size(), 1u);
  ExpectAllStopped(/*clean=*/false);
  for (const auto& m : markers(marker_dir_)) {
    if (m.name.find("_ok") != std::string::npos) {
      EXPECT_TRUE(m.stopped()) << m.name;
    }
  }
}

TEST_F(GtestLayerRunner, RepeatKeepsTheEnvironmentByDefault) { ExpectRepeatServedBy(1); }

TEST_F(GtestLayerRunner, RepeatRecreatesTheEnvironmentWhenAsked) {
  ExpectRepeatServedBy(3, {"--gtest_recreate_environments_when_repeating"});
}

TEST_F(GtestLayerRunner, ShuffleRuns) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Consumer.*",
                "--gtest_shuffle", "--gtest_random_seed=7", "--gtest_repeat=2"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, ThreeShardsRunEachTestOnceAndAnEmptyShardStartsNothing) {
  // Consumer.* has two tests, so one of the three shards has none.
  int passed = 0;
  int empty_shards = 0;
  for (int shard = 0; shard < 3; ++shard) {
    auto before = markers(marker_dir_, "alpha").size();
    auto r =
        Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Consumer.*"},
            {{"GTEST_TOTAL_SHARDS", "3"},
             {"GTEST_SHARD_INDEX", std::to_string(shard)},
             {"GTEST_SHARD_STATUS_FILE", (dir_.path() / "shard_status").string()}});
    ASSERT_EQ(r.exit_code, 0) << "shard " << shard << ": " << Show(r);
    auto ran = tagged(r.output, "[       OK ] ").size();
    passed += static_cast<int>(ran);
    auto started = markers(marker_dir_, "alpha").size() - before;
    if (ran == 0) {
      ++empty_shards;
      EXPECT_EQ(started, 0u) << "an empty shard started services";
    } else {
      EXPECT_EQ(started, 1u);
    }
  }
  EXPECT_EQ(passed, 2);
  EXPECT_EQ(empty_shards, 1);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, FilterSelectingNothingStartsNothing) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Nope.*"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_TRUE(markers(marker_dir_).empty());
}

TEST_F(GtestLayerRunner, ServiceKilledMidTestFailsThatTestNamingIt) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Killer.*",
                "--mirakuru_log_tail=5"},
               {{"GT_KILL", "1"}});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("GT_KILLED alpha"));
  EXPECT_THAT(r.output, HasSubstr("service 'alpha'"));
  EXPECT_THAT(r.output, HasSubstr("SIGKILL"));
  EXPECT_THAT(r.output, HasSubstr("during test Killer.KillsAlpha"));
  EXPECT_THAT(r.output, HasSubstr("gt_server alpha listening on"));  // its output tail
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] Killer.KillsAlpha"));
  EXPECT_THAT(r.output, HasSubstr("[ mirakuru ] service 'beta'"));  // log tails of the others
  // A test failed: the logs stay, and the run says where.
  ASSERT_EQ(Logs().size(), 2u);
  EXPECT_THAT(r.output, HasSubstr("the logs of global ServiceEnvironment #0 are kept "
                                  "(MIRAKURU_KEEP_LOGS=failed, a test failed):\n"));
  for (const auto& log : Logs()) EXPECT_THAT(r.output, HasSubstr(log));
  auto beta = markers(marker_dir_, "beta");
  ASSERT_EQ(beta.size(), 1u);
  EXPECT_TRUE(beta[0].stopped());
  ExpectAllStopped(/*clean=*/false);
}

TEST_F(GtestLayerRunner, PortsAndLogsAreRecordedAsProperties) {
  auto report = dir_.path() / "report.json";
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(),
                "--gtest_filter=Consumer.PrintsPid", "--gtest_output=json:" + report.string()});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  auto ports = tagged(r.output, "GT_PORT alpha=");
  ASSERT_EQ(ports.size(), 1u);
  std::ifstream in(report);
  auto doc = nlohmann::json::parse(in);
  ASSERT_TRUE(doc.contains("mirakuru.alpha.port")) << doc.dump(2);
  EXPECT_EQ(doc["mirakuru.alpha.port"].get<std::string>(), ports[0]);
  ASSERT_TRUE(doc.contains("mirakuru.beta.log"));
  EXPECT_FALSE(doc["mirakuru.beta.log"].get<std::string>().empty());
}

TEST_F(GtestLayerRunner, SuiteAndTestPropertiesLandOnTheirElements) {
  auto suites = dir_.path() / "suites.json";
  auto r = Run({kSuiteFixture, "--gtest_output=json:" + suites.string()});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  std::ifstream suites_in(suites);
  auto doc = nlohmann::json::parse(suites_in);
  std::set<std::string> ports;
  for (const auto& suite : doc["testsuites"]) {
    ASSERT_TRUE(suite.contains("mirakuru.alpha.port")) << suite["name"];
    ports.insert(suite["mirakuru.alpha.port"].get<std::string>());
  }
  EXPECT_EQ(ports.size(), doc["testsuites"].size());  // every suite run had its own port

  auto tests = dir_.path() / "tests.json";
  r = Run({kTestFixture, "--gtest_output=json:" + tests.string()});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  std::ifstream tests_in(tests);
  doc = nlohmann::json::parse(tests_in);
  for (const auto& suite : doc["testsuites"]) {
    EXPECT_FALSE(suite.contains("mirakuru.alpha.port"));
    for (const auto& test : suite["testsuite"]) {
      EXPECT_TRUE(test.contains("mirakuru.alpha.port")) << test["name"];
      EXPECT_TRUE(test.contains("mirakuru.alpha.log")) << test["name"];
    }
  }
  EXPECT_THAT(Logs(), IsEmpty());  // suites and tests that passed leave no log behind
}

TEST_F(GtestLayerRunner, DeathTestsThreadsafeStyleStartNothingInTheChild) {
  auto r = Run({kDeath, "--gtest_death_test_style=threadsafe"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 5 tests"));
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  EXPECT_EQ(markers(marker_dir_, "suite_svc").size(), 1u);
  EXPECT_EQ(markers(marker_dir_, "test_svc").size(), 1u);
  EXPECT_EQ(markers(marker_dir_, "gamma_svc").size(), 1u);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, DeathTestsFastStyle) {
  auto r = Run({kDeath, "--gtest_death_test_style=fast"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 5 tests"));
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, LogTailLengthIsConfigurable) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Killer.*",
                "--mirakuru_log_tail=0"},
               {{"GT_KILL", "1"}});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[ mirakuru ] service 'beta'"));
  EXPECT_THAT(r.output, Not(HasSubstr("gt_server beta listening on")));
}

TEST_F(GtestLayerRunner, MainDefaultsToThreadsafeDeathTestsThatStartNothing) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Style.*"});
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] 2 tests"));
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 1u);  // the re-executed child started none
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, SigintStopsTheServicesGracefully) {
  auto r = Run({kConsumer, "--mirakuru_services=" + config_.string(), "--gtest_filter=Waiter.*"},
               {{"GT_BLOCK", "1"}}, std::chrono::seconds(60), "GT_BLOCKING", SIGINT);
  EXPECT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, -SIGINT) << Show(r);
  EXPECT_THAT(r.output, Not(HasSubstr("not interrupted")));
  ASSERT_EQ(markers(marker_dir_).size(), 2u) << Show(r);
  // "stopped": each got its SIGTERM stop sequence, not the guardian's kill. The set's own
  // directory stays: the runner dies of the signal before any destructor runs (core gap).
  ExpectAllStopped(/*clean=*/true, /*dirs_removed=*/false);
}

TEST_F(GtestLayerRunner, SigintDuringATestIsReportedAsTheInterruption) {
  // beta takes 1.5 s to stop: the runner outlives alpha long enough for the test waiting on
  // alpha to end and be judged while the handler still works.
  auto config = two_servers(marker_dir_.string());
  auto& beta = config["services"]["beta"]["command"];
  beta.push_back("--stop-delay-ms");
  beta.push_back("1500");
  auto slow = write_config(dir_.path(), config, "slow.json");
  auto r = Run(
      {kConsumer, "--mirakuru_services=" + slow.string(), "--gtest_filter=Waiter.OutlivesAlpha"},
      {{"GT_OUTLIVE", "1"}}, std::chrono::seconds(60), "GT_WAITING", SIGINT);
  EXPECT_EQ(r.exit_code, -SIGINT) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("GT_ALPHA_ENDED 0"));  // the test ended before the runner
  EXPECT_THAT(r.output, HasSubstr("mirakuru: the run was interrupted by signal 2 (SIGINT) during "
                                  "test Waiter.OutlivesAlpha"));
  EXPECT_THAT(r.output, Not(HasSubstr("exited with code")));  // no service is blamed
  ExpectAllStopped(/*clean=*/true, /*dirs_removed=*/false);
}

TEST_F(GtestLayerRunner, HelpMentionsTheServicesFlag) {
  auto r = Run({kConsumer, "--help"});
  EXPECT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("--mirakuru_services=FILE"));
  EXPECT_TRUE(markers(marker_dir_).empty());
}

TEST_F(GtestLayerRunner, MalformedFlagIsAnError) {
  auto r = Run({kConsumer, "--mirakuru_services="});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("--mirakuru_services needs a file"));
}

TEST_F(GtestLayerRunner, MistypedFlagIsAnErrorListingTheKnownOnes) {
  auto r = Run({kConsumer, "--mirakuru_service=" + config_.string()});
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("error: unknown flag --mirakuru_service; the known ones are "
                                  "--mirakuru_services=FILE, --mirakuru_log_tail=N"));
  EXPECT_THAT(r.output, Not(HasSubstr("[ RUN      ]")));  // no test ran without its services
  EXPECT_TRUE(markers(marker_dir_).empty());
}

TEST_F(GtestLayerRunner, CtestJ8OverADiscoveredSuiteWithAutoPorts) {
  auto r = Run({GT_CTEST, "--test-dir", GT_BINARY_DIR, "-R", "^gt_global_env\\.", "-j8",
                "--output-on-failure", "--timeout", "60"},
               {}, std::chrono::seconds(150));
  ASSERT_EQ(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("100% tests passed"));
  EXPECT_THAT(r.output, HasSubstr("out of 8"));
  // Each test process started its own pair and stopped it.
  EXPECT_EQ(markers(marker_dir_, "alpha").size(), 8u);
  ExpectAllStopped();
}

TEST_F(GtestLayerRunner, CtestCountsTestsOfAFailedEnvironmentAsFailedNotSkipped) {
  auto r = Run(
      {GT_CTEST, "--test-dir", GT_BINARY_DIR, "-R", "^gt_global_env\\.", "-j8", "--timeout", "60"},
      {{"GT_BREAK_SERVICES", "1"}}, std::chrono::seconds(150));
  EXPECT_NE(r.exit_code, 0) << Show(r);
  EXPECT_THAT(r.output, HasSubstr("0% tests passed, 8 tests failed out of 8")) << Show(r);
  EXPECT_THAT(r.output, Not(HasSubstr("Skipped")));
  EXPECT_EQ(markers(marker_dir_, "beta").size(), 8u);  // each process tried
  ExpectAllStopped(/*clean=*/false);
  for (const auto& m : markers(marker_dir_, "alpha")) EXPECT_TRUE(m.stopped());
}

}  // namespace
