// A global ServiceEnvironment built from a C++ description, registered by this binary's own
// main(); ctest runs each test in its own process, each with its own set on an auto port.
#include <gtest/gtest.h>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

TEST(DescribedEnv, TheServiceAnswers) {
  mirakuru::ServiceSet& set = mirakuru::gtest::services();
  EXPECT_EQ(mirakuru::gtest_test::ask(set.port("alpha")), "alpha");
  EXPECT_TRUE(set.executor("alpha").running());
}

TEST(DescribedEnv, OneServiceNamedAsDescribed) {
  EXPECT_EQ(mirakuru::gtest::services().names(), std::vector<std::string>{"alpha"});
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(
      {.services = {{"alpha", mirakuru::gtest_test::described_server("alpha")}}}));
  return RUN_ALL_TESTS();
}
