// Runs gt_health_tests, whose tests make a service unhealthy (its listener closes while it runs)
// and checks what the GoogleTest layer reports: that test FAILED naming the service, "became
// unhealthy" and what the last check saw; reported once; nothing left running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gt_support.hpp"

namespace {

using mirakuru::gtest_test::RunResult;
using mirakuru::test::TempDir;
using ::testing::HasSubstr;

const std::string kHealth = GT_HEALTH_TESTS;

class HealthReports : public ::testing::Test {
 protected:
  RunResult Run(const std::string& filter) const {
    return mirakuru::gtest_test::run(
        {kHealth, "--gtest_filter=" + filter, "--gtest_output=json:" + report_.string()},
        {{"TEST_TMPDIR", dir_.path().string()}, {"MIRAKURU_LOG_DIR", dir_.path().string()}},
        std::chrono::seconds(60));
  }

  std::map<std::string, std::vector<std::string>> Failures() const {
    return mirakuru::gtest_test::report_failures(report_);
  }

  static std::string Show(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
           ", output:\n" + r.output;
  }

  TempDir dir_;
  std::filesystem::path report_ = dir_.path() / "report.json";
};

TEST_F(HealthReports, AGlobalServiceTurningUnhealthyFailsTheRunningTestOnce) {
  auto r = Run("Health.*");
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_UNHEALTHY_SEEN 1"));
  EXPECT_THAT(r.output, HasSubstr("[  FAILED  ] Health.TurnsUnhealthy"));
  EXPECT_THAT(r.output, HasSubstr("[       OK ] Health.ReportedOnce"));
  auto failures = Failures();
  ASSERT_EQ(failures["Health.TurnsUnhealthy"].size(), 1u) << Show(r);
  const std::string& message = failures["Health.TurnsUnhealthy"][0];
  EXPECT_THAT(message, HasSubstr("mirakuru: service 'web' of global ServiceEnvironment #0"));
  EXPECT_THAT(message, HasSubstr("became unhealthy during test Health.TurnsUnhealthy"));
  EXPECT_THAT(message, HasSubstr("health checks in a row failed (TCP 127.0.0.1:"));
  EXPECT_THAT(message, HasSubstr("last check: 127.0.0.1:"));
  EXPECT_THAT(message, HasSubstr("refused"));
  EXPECT_THAT(message, HasSubstr("listener closed"));  // the service's output tail
  EXPECT_TRUE(failures["Health.ReportedOnce"].empty());
}

TEST_F(HealthReports, AServiceTestsOwnServiceTurningUnhealthyFailsThatTest) {
  auto r = Run("OwnSet.*");
  ASSERT_FALSE(r.timed_out) << Show(r);
  EXPECT_EQ(r.exit_code, 1) << Show(r);
  ASSERT_THAT(r.output, HasSubstr("GT_UNHEALTHY_SEEN 1"));
  auto failures = Failures();
  ASSERT_EQ(failures["OwnSet.TurnsUnhealthy"].size(), 1u) << Show(r);
  EXPECT_THAT(failures["OwnSet.TurnsUnhealthy"][0],
              HasSubstr("service 'web' of test OwnSet.TurnsUnhealthy"));
  EXPECT_THAT(failures["OwnSet.TurnsUnhealthy"][0], HasSubstr("became unhealthy"));
}

}  // namespace
