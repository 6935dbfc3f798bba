// ServiceTest: a fresh set for every test, stopped in TearDown.
#include <gtest/gtest.h>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

using mirakuru::gtest_test::ask;
using mirakuru::test::alive;
using mirakuru::test::gone_within;

class PerTest : public mirakuru::gtest::ServiceTest {
 protected:
  PerTest()
      : ServiceTest(
            nlohmann::json{{"services", {{"alpha", mirakuru::gtest_test::server("alpha")}}}}) {}
  // Each test gets its own alpha: it answers, and the previous test's alpha (if one ran
  // before, in whatever order) is another process, gone by now.
  void ExpectFreshAlpha() {
    pid_t pid = services().executor("alpha").pid();
    EXPECT_EQ(ask(services().port("alpha")), "alpha");
    if (previous_pid > 0) {
      EXPECT_NE(pid, previous_pid);
      EXPECT_TRUE(gone_within(previous_pid, std::chrono::seconds(5)));
    }
    previous_pid = pid;
  }
  static pid_t previous_pid;
};
pid_t PerTest::previous_pid = -1;

TEST_F(PerTest, First) { ExpectFreshAlpha(); }

TEST_F(PerTest, Second) { ExpectFreshAlpha(); }

// TearDown stops the set: a test can observe it through its own TearDown override.
class StopsInTearDown : public mirakuru::gtest::ServiceTest {
 protected:
  StopsInTearDown()
      : ServiceTest(mirakuru::ServiceSet::from_json(
            {{"services", {{"alpha", mirakuru::gtest_test::server("alpha")}}}})) {}
  void TearDown() override {
    pid_t pid = services().executor("alpha").pid();
    ServiceTest::TearDown();
    EXPECT_TRUE(gone_within(pid, std::chrono::seconds(5)));
    EXPECT_THROW(services(), std::logic_error);
  }
};

TEST_F(StopsInTearDown, ServiceRunsDuringTheTest) {
  EXPECT_TRUE(alive(services().executor("alpha").pid()));
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
}

// The same with the set described in C++.
class DescribedPerTest : public mirakuru::gtest::ServiceTest {
 protected:
  DescribedPerTest()
      : ServiceTest({.services = {{"alpha", mirakuru::gtest_test::described_server("alpha")}}}) {}
};

TEST_F(DescribedPerTest, ServiceRunsDuringTheTest) {
  EXPECT_TRUE(alive(services().executor("alpha").pid()));
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
}

}  // namespace
