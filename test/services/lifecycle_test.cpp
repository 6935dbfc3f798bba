// Start order, parallel start, reverse stop and failures, with real processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "mirakuru/errors.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::StartsWith;

milliseconds since(steady_clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
}

TEST(ServiceSetLifecycle, ChainOfThreePassesPortsThroughVariables) {
  test::TempDir dir;
  nlohmann::json config = test::with_svc(R"({"services": {
    "a": {"command": "${vars.svc} --port ${port} --on-term ${vars.log} a",
          "port": "auto", "ready": {"tcp": {}}},
    "b": {"command": "${vars.svc} --port ${port} --needs-port ${services.a.port} --on-term ${vars.log} b",
          "port": "auto", "ready": {"tcp": {}}, "depends_on": ["a"]},
    "c": {"command": "${vars.svc} --needs-port ${services.b.port} --on-term ${vars.log} c --banner c-up",
          "ready": {"output": {"banner": "c-up"}}, "depends_on": ["b"]}}})");
  config["vars"]["log"] = (dir / "stops.txt").string();
  auto set = ServiceSet::from_json(config);
  EXPECT_EQ(set.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_NE(set.port("a"), set.port("b"));
  set.start();
  EXPECT_TRUE(set.running());
  EXPECT_THAT(set.executor("b").output(),
              HasSubstr("--needs-port " + std::to_string(set.port("a"))));
  EXPECT_THAT(set.executor("c").output(),
              HasSubstr("--needs-port " + std::to_string(set.port("b"))));
  const pid_t a = set.executor("a").pid();
  set.stop();
  EXPECT_EQ(test::read_file(dir / "stops.txt"), "c\nb\na\n");  // dependents first
  EXPECT_FALSE(test::alive(a));
}

TEST(ServiceSetLifecycle, DiamondStartsTheMiddleInParallel) {
  auto set = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "b": {"command": "${vars.svc} --delay 250 --port ${port} --needs-port ${services.a.port}",
          "port": "auto", "ready": {"tcp": {}}, "depends_on": ["a"]},
    "c": {"command": "${vars.svc} --delay 250 --port ${port} --needs-port ${services.a.port}",
          "port": "auto", "ready": {"tcp": {}}, "depends_on": ["a"]},
    "d": {"command": "${vars.svc} --needs-port ${services.b.port} --needs-port ${services.c.port}",
          "ready": {"output": {"banner": "ready"}}, "depends_on": ["b", "c"]}}})");
  EXPECT_EQ(set.names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  const auto t0 = steady_clock::now();
  set.start();
  const auto took = since(t0);
  EXPECT_TRUE(set.running());
  EXPECT_LT(took, milliseconds(480) * test::kTimeScale)
      << "b and c (250 ms each) should start together";
  set.stop();
}

TEST(ServiceSetLifecycle, IndependentServicesStartInTheTimeOfOne) {
  auto set = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc} --delay 300 --banner up", "ready": {"output": {"banner": "up"}}},
    "b": {"command": "${vars.svc} --delay 300 --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "c": {"command": "${vars.svc} --delay 300 --banner up", "ready": {"output": {"banner": "up"}}}}})");
  const auto t0 = steady_clock::now();
  set.start();
  const auto took = since(t0);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(450) * test::kTimeScale);
  const auto t1 = steady_clock::now();
  set.stop();
  EXPECT_LT(since(t1), milliseconds(1000) * test::kTimeScale);  // stopped in parallel too
}

TEST(ServiceSetLifecycle, FailureOfTheMiddleStopsTheFirstAndNamesTheSecond) {
  auto set = test::svc_set(R"({"services": {
    "first": {"command": "${vars.svc} --port ${port} --touch ${tmpdir}/pid", "port": "auto",
              "ready": {"tcp": {}}},
    "second": {"command": "${vars.svc} --delay 50 --fail 7", "depends_on": ["first"],
               "ready": {"output": {"banner": "never"}}},
    "third": {"command": "${vars.svc}", "depends_on": ["second"]}}})");
  const auto first_tmpdir = set.tmpdir("first");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), 7);
    EXPECT_THAT(e.what(), StartsWith("service 'second': "));
    EXPECT_THAT(e.what(), HasSubstr("failing on purpose"));  // the output tail
    EXPECT_THAT(e.what(), HasSubstr("tmpdir " + set.tmpdir("second").string() +
                                    " goes with the set: MIRAKURU_KEEP_TMPDIRS=failed"));
  }
  EXPECT_FALSE(set.running());
  EXPECT_EQ(set.executor("first").pid(), -1);
  EXPECT_EQ(set.executor("first").returncode(), 0);              // stopped cleanly
  EXPECT_FALSE(set.executor("third").returncode().has_value());  // never started
  EXPECT_TRUE(std::filesystem::exists(set.tmpdir("second")));    // the set's, until it goes
  EXPECT_TRUE(std::filesystem::exists(first_tmpdir));
}

TEST(ServiceSetLifecycle, AFailureDoesNotWaitForSlowSiblings) {
  auto set = test::svc_set(R"({"services": {
    "slow": {"command": "${vars.svc} --banner up", "ready": {"output": {"banner": "never"}},
             "timeout": "30s"},
    "bad": {"command": "${vars.svc} --delay 100 --fail 2"},
    "broken": {"command": "${vars.svc} --delay 100 --fail 2", "ready": {"output": {"banner": "x"}}}}})");
  const auto t0 = steady_clock::now();
  EXPECT_THROW(set.start(), ProcessExitedWithError);
  EXPECT_LT(since(t0), milliseconds(5000));
  EXPECT_EQ(set.executor("slow").pid(), -1);
  std::filesystem::remove_all(set.tmpdir("slow").parent_path());
}

TEST(ServiceSetLifecycle, TimeoutKeepsItsType) {
  auto set = test::svc_set(R"({"services": {
    "late": {"command": "${vars.svc}", "ready": {"output": {"banner": "never"}}, "timeout": "200ms"}}})");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const TimeoutExpired& e) {
    EXPECT_EQ(e.timeout(), milliseconds(200));
    EXPECT_THAT(e.what(), StartsWith("service 'late': "));
  }
  std::filesystem::remove_all(set.tmpdir("late").parent_path());
}

TEST(ServiceSetLifecycle, SpawnErrorKeepsItsType) {
  auto set =
      ServiceSet::from_string(R"({"services": {"x": {"command": "/nonexistent/mk-program"}}})");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
    EXPECT_THAT(e.what(), StartsWith("service 'x': "));
  }
  std::filesystem::remove_all(set.tmpdir("x").parent_path());
}

TEST(ServiceSetLifecycle, StopReportsAnUnexpectedExitCode) {
  auto set = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc}", "stop_signal": "SIGUSR1", "expected_returncode": 5}}})");
  set.start();
  try {
    set.stop();
    FAIL() << "no error";
  } catch (const ProcessFinishedWithError& e) {
    EXPECT_THAT(e.what(), StartsWith("service 'a': "));
  }
  std::filesystem::remove_all(set.tmpdir("a").parent_path());
}

}  // namespace
}  // namespace mirakuru
