// "ready" as an array, {"all": [...]} or {"any": [...]}, and output "times", in service sets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mirakuru/errors.hpp"
#include "mirakuru/executor.hpp"
#include "mirakuru/service_set.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using ::testing::HasSubstr;

std::string svc() { return test::fixture("svc_service"); }

TEST(CompositeReady, AnArrayMeansAllOfAndEachPartIsChecked) {
  // The service listens and prints its banner after 100 ms; the file never appears in the
  // second set, so that one must time out naming the file part.
  auto set = ServiceSet::from_string(R"({"services": {"a": {
      "command": [")" + svc() + R"(", "--port", "${port}", "--delay", "100"],
      "port": "auto",
      "ready": [{"tcp": {}}, {"output": {"banner": "^ready$"}}]}}})");
  set.start();
  const auto* ex = dynamic_cast<const Executor*>(&set.executor("a"));
  ASSERT_NE(ex, nullptr);
  EXPECT_TRUE(ex->last_check().is_ready());
  EXPECT_THAT(ex->probe()->describe(), HasSubstr("all of (TCP 127.0.0.1:"));
  set.stop();

  auto missing = ServiceSet::from_string(R"({"services": {"a": {
      "command": [")" + svc() + R"(", "--port", "${port}"],
      "port": "auto", "timeout": "300ms",
      "ready": {"all": [{"tcp": {}}, {"file": {"path": "${tmpdir}/never"}}]}}}})");
  try {
    missing.start();
    FAIL() << "the file never appears";
  } catch (const TimeoutExpired& e) {
    EXPECT_THAT(e.what(), HasSubstr("/never does not exist yet"));
  }
}

TEST(CompositeReady, AnyIsReadyWithOnePartAndTimesCountsLines) {
  auto set = ServiceSet::from_string(R"({"services": {"a": {
      "command": [")" + svc() + R"(", "--banner", "up"],
      "ready": {"any": [{"file": {"path": "${tmpdir}/never"}},
                        {"output": {"banner": "up", "times": 1}}]}}}})");
  set.start();
  set.stop();
  auto twice = ServiceSet::from_string(R"({"services": {"a": {
      "command": [")" + svc() + R"(", "--banner", "up"], "timeout": "300ms",
      "ready": {"output": {"banner": "^up$", "times": 2}}}}})");
  try {
    twice.start();
    FAIL() << "the banner is printed once";
  } catch (const TimeoutExpired& e) {
    EXPECT_THAT(e.what(), HasSubstr("banner seen 1 of 2 times"));
  }
}

ConfigError error_of(const std::string& ready) {
  try {
    ServiceSet::from_string(R"({"services": {"a": {"command": "x", "port": "auto", "ready": )" +
                            ready + "}}}");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for " << ready;
  return ConfigError("", "");
}

TEST(CompositeReady, MistakesNameTheirPath) {
  EXPECT_EQ(error_of("[]").json_path(), "/services/a/ready");
  EXPECT_EQ(error_of(R"({"any": {}})").json_path(), "/services/a/ready/any");
  EXPECT_EQ(error_of(R"([{"tcp": {}}, {"all": [{"tcp": {}}]}])").json_path(),
            "/services/a/ready/1");
  EXPECT_EQ(error_of(R"([{"tcp": {}}, {"tpc": {}}])").json_path(), "/services/a/ready/1/tpc");
  EXPECT_EQ(error_of(R"({"output": {"banner": "x", "times": 0}})").json_path(),
            "/services/a/ready/output/times");
  const std::string lookahead = R"J([{"output": {"banner": "x(?=y)"}}])J";
  EXPECT_EQ(error_of(lookahead).json_path(), "/services/a/ready/0/output/banner");
  EXPECT_THAT(error_of(lookahead).what(), HasSubstr("invalid perl operator"));
}

}  // namespace
}  // namespace mirakuru
