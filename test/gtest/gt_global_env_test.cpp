// A global ServiceEnvironment with two services (beta depends on alpha), registered by this
// binary's own main(). ctest runs each test in its own process (gtest_discover_tests), so
// under ctest -j every process starts its own pair on auto ports.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

using mirakuru::gtest_test::ask;

mirakuru::ServiceSet& set() { return mirakuru::gtest::services(); }

TEST(GlobalEnv, BothServicesAnswer) {
  EXPECT_EQ(ask(set().port("alpha")), "alpha");
  EXPECT_EQ(ask(set().port("beta")), "beta");
}

TEST(GlobalEnv, PortsAreDistinctAndAllocated) {
  EXPECT_GT(set().port("alpha"), 0);
  EXPECT_GT(set().port("beta"), 0);
  EXPECT_NE(set().port("alpha"), set().port("beta"));
}

TEST(GlobalEnv, DependencyStartsFirst) {
  auto names = set().names();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "alpha");
  EXPECT_EQ(names[1], "beta");
}

TEST(GlobalEnv, IndexZeroIsTheSameSet) { EXPECT_EQ(&mirakuru::gtest::services(0), &set()); }

TEST(GlobalEnv, UnknownIndexThrows) {
  EXPECT_THROW(mirakuru::gtest::services(7), std::out_of_range);
}

TEST(GlobalEnv, ExecutorsRun) {
  EXPECT_TRUE(set().executor("alpha").running());
  EXPECT_TRUE(set().executor("beta").running());
  EXPECT_GT(set().executor("beta").pid(), 0);
}

TEST(GlobalEnv, UrlNamesThePort) {
  EXPECT_NE(set().url("alpha").find(std::to_string(set().port("alpha"))), std::string::npos);
}

TEST(GlobalEnv, EndpointsArePublishedForDeathTests) {
  const char* published = std::getenv(  // NOLINT(concurrency-mt-unsafe): main thread
      "MIRAKURU_GTEST_ENDPOINTS");
  ASSERT_NE(published, nullptr);
  auto doc = nlohmann::json::parse(published);
  EXPECT_EQ(doc["scopes"]["env:0"]["alpha"]["port"], set().port("alpha"));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // NOLINTBEGIN(concurrency-mt-unsafe): before any thread starts
  const char* markers = std::getenv("GT_MARKER_DIR");
  // GT_BREAK_SERVICES=1: beta fails to start (gt_runner_test checks what ctest reports then).
  int beta_exit_code = std::getenv("GT_BREAK_SERVICES") != nullptr ? 3 : -1;
  // NOLINTEND(concurrency-mt-unsafe)
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(
      mirakuru::gtest_test::two_servers(markers ? markers : "", beta_exit_code)));
  return RUN_ALL_TESTS();
}
