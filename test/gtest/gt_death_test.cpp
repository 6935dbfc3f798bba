// Death tests in a binary with a global environment, a suite fixture and a test fixture: the
// death-test child must reach the parent's services and must neither start nor stop any.
// gt_runner_test runs it in both death-test styles and counts the servers' markers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

using mirakuru::gtest_test::ask;

std::string marker_dir() {
  const char* dir = std::getenv("GT_MARKER_DIR");  // NOLINT(concurrency-mt-unsafe): main thread
  return dir ? dir : "";
}

nlohmann::json one(const std::string& name) {
  return {{"services", {{name, mirakuru::gtest_test::server(name, marker_dir())}}}};
}

// Exits 0 when `name` answers on the port the (possibly attached) set reports.
[[noreturn]] void exit_if_answers(mirakuru::ServiceSet& set, const std::string& name) {
  std::_Exit(ask(set.port(name)) == name ? 0 : 1);
}

TEST(DeathEnv, ChildReachesTheParentsService) {
  EXPECT_EXIT(exit_if_answers(mirakuru::gtest::services(), "alpha"), ::testing::ExitedWithCode(0),
              "");
}

TEST(DeathEnv, ParentServiceSurvivesTheChild) {
  EXPECT_DEATH(std::abort(), "");
  EXPECT_TRUE(mirakuru::gtest::services().executor("alpha").running());
  EXPECT_EQ(ask(mirakuru::gtest::services().port("alpha")), "alpha");
}

// A second environment, built from a ServiceSet: the child finds it by registration order.
TEST(DeathEnv, ChildReachesTheSecondEnvironment) {
  EXPECT_EXIT(exit_if_answers(mirakuru::gtest::services(1), "gamma_svc"),
              ::testing::ExitedWithCode(0), "");
}

class DeathSuite : public mirakuru::gtest::SuiteServices<DeathSuite> {
 public:
  static nlohmann::json ServicesConfig() { return one("suite_svc"); }
};

TEST_F(DeathSuite, ChildReachesTheSuitesService) {
  EXPECT_EXIT(exit_if_answers(services(), "suite_svc"), ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(ask(services().port("suite_svc")), "suite_svc");
}

class DeathPerTest : public mirakuru::gtest::ServiceTest {
 protected:
  DeathPerTest() : ServiceTest(one("test_svc")) {}
};

TEST_F(DeathPerTest, ChildReachesTheTestsService) {
  EXPECT_EXIT(exit_if_answers(services(), "test_svc"), ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(ask(services().port("test_svc")), "test_svc");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(one("alpha")));
  ::testing::AddGlobalTestEnvironment(
      new mirakuru::gtest::ServiceEnvironment(mirakuru::ServiceSet::from_json(one("gamma_svc"))));
  return RUN_ALL_TESTS();
}
