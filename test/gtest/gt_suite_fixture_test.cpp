// SuiteServices: one set per test suite, started in SetUpTestSuite, stopped after the suite.
#include <gtest/gtest.h>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

using mirakuru::gtest_test::ask;
using mirakuru::test::alive;
using mirakuru::test::gone_within;

class AlphaSuite : public mirakuru::gtest::SuiteServices<AlphaSuite> {
 public:
  static nlohmann::json ServicesConfig() {
    return {{"services", {{"alpha", mirakuru::gtest_test::server("alpha")}}}};
  }
  static pid_t first_pid;  // the pid the suite's first test saw
};
pid_t AlphaSuite::first_pid = -1;

TEST_F(AlphaSuite, ServiceAnswers) {
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
  if (first_pid < 0) first_pid = services().executor("alpha").pid();
}

TEST_F(AlphaSuite, SameProcessForTheWholeSuite) {
  pid_t pid = services().executor("alpha").pid();
  ASSERT_GT(pid, 0);
  if (first_pid < 0) first_pid = pid;  // this test ran first (shuffle, filter, ctest)
  EXPECT_EQ(pid, first_pid);
  EXPECT_TRUE(alive(pid));
}

// ServicesConfig() may return a C++ description.
class DescribedSuite : public mirakuru::gtest::SuiteServices<DescribedSuite> {
 public:
  static mirakuru::SetDescription ServicesConfig() {
    return {.services = {{"alpha", mirakuru::gtest_test::described_server("alpha")}}};
  }
};

TEST_F(DescribedSuite, ServiceAnswers) {
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
  EXPECT_TRUE(alive(services().executor("alpha").pid()));
}

// A suite deriving from another shares its Derived's state but gets its own run of it.
class DerivedSuite : public AlphaSuite {};

TEST_F(DerivedSuite, RestartedForThisSuite) {
  pid_t pid = services().executor("alpha").pid();
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
  if (AlphaSuite::first_pid > 0) {
    // AlphaSuite's process was stopped at the end of that suite.
    EXPECT_NE(pid, AlphaSuite::first_pid);
    EXPECT_TRUE(gone_within(AlphaSuite::first_pid, std::chrono::seconds(5)));
  }
  EXPECT_TRUE(alive(pid));
}

// A suite whose config is a file path, written before the suite starts.
class FileSuite : public mirakuru::gtest::SuiteServices<FileSuite> {
 public:
  static std::string ServicesConfig() {
    static mirakuru::test::TempDir dir;
    return mirakuru::gtest_test::write_config(dir.path(), mirakuru::gtest_test::two_servers())
        .string();
  }
};

TEST_F(FileSuite, BothAnswer) {
  EXPECT_EQ(ask(services().port("alpha")), "alpha");
  EXPECT_EQ(ask(services().port("beta")), "beta");
}

TEST_F(FileSuite, ServicesOutsideTheSuiteThrow) {
  EXPECT_THROW(AlphaSuite::services(), std::logic_error);
}

}  // namespace
