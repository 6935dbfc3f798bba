// describe_health_change(): the exact wording the keeper's "unhealthy" event and the GoogleTest
// layer's failure share after "became unhealthy...: ".
#include <gtest/gtest.h>

#include "mirakuru/service_set.hpp"

namespace mirakuru {
namespace {

ServiceHealth turned_unhealthy() {
  ServiceHealth h;
  h.checked = true;
  h.healthy = false;
  h.failures_in_a_row = 3;
  h.checks = 7;
  h.turned_unhealthy = 1;
  h.check = "TCP 127.0.0.1:5432";
  h.last_result = "connection refused";
  return h;
}

TEST(DescribeHealthChange, FailedChecksNameTheCountTheCheckAndWhatTheLastSaw) {
  EXPECT_EQ(describe_health_change(turned_unhealthy()),
            "3 health checks in a row failed (TCP 127.0.0.1:5432); last check: connection refused");
}

TEST(DescribeHealthChange, TheCountIsTheFailuresInARowNotTheChecks) {
  ServiceHealth h = turned_unhealthy();
  h.failures_in_a_row = 5;
  h.checks = 12;
  EXPECT_EQ(describe_health_change(h),
            "5 health checks in a row failed (TCP 127.0.0.1:5432); last check: connection refused");
}

TEST(DescribeHealthChange, ASingleFailureIsNotCounted) {
  ServiceHealth h = turned_unhealthy();
  h.failures_in_a_row = 1;
  EXPECT_EQ(describe_health_change(h),
            "its health check failed (TCP 127.0.0.1:5432); last check: connection refused");
  h.last_result.clear();
  EXPECT_EQ(describe_health_change(h), "its health check failed (TCP 127.0.0.1:5432)");
}

TEST(DescribeHealthChange, AServiceThatPassedAgainSaysSo) {
  ServiceHealth h = turned_unhealthy();
  h.healthy = true;
  h.failures_in_a_row = 0;
  h.last_result = "passed";
  EXPECT_EQ(describe_health_change(h),
            "its health checks (TCP 127.0.0.1:5432) failed, then passed again; last check: passed");
}

TEST(DescribeHealthChange, WithoutALastCheckThatPartIsLeftOut) {
  ServiceHealth h = turned_unhealthy();
  h.last_result.clear();
  EXPECT_EQ(describe_health_change(h), "3 health checks in a row failed (TCP 127.0.0.1:5432)");
  h.healthy = true;
  EXPECT_EQ(describe_health_change(h),
            "its health checks (TCP 127.0.0.1:5432) failed, then passed again");
}

}  // namespace
}  // namespace mirakuru
