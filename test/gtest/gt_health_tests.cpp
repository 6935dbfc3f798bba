// Services that turn unhealthy ("health" in the JSON) while a test runs. Run by
// gt_health_runner_test; not a ctest test of its own: it fails on purpose.
// - Health.*  the global environment's "web" closes its listener (SIGUSR1) during
//             Health.TurnsUnhealthy: the layer fails that test, naming web and the last check;
//             Health.ReportedOnce then passes (the same episode is not reported twice).
// - OwnSet.*  the same with a ServiceTest's own set (reported by its TearDown).
// Every test body prints "GT_BODY NAME".
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "mirakuru/gtest.hpp"
#include "test_support.hpp"

namespace {

nlohmann::json web_set() {
  return {{"services",
           {{"web",
             {{"command",
               {mirakuru::test::fixture("svc_service"), "--port", "${port}", "--health-signals"}},
              {"port", "auto"},
              {"ready", {{"tcp", nlohmann::json::object()}}},
              {"health",
               {{"tcp", nlohmann::json::object()}, {"interval", "20ms"}, {"failures", 2}}}}}}}};
}

void body() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("GT_BODY %s.%s\n", test->test_suite_name(), test->name());
  std::fflush(stdout);
}

// Closes web's listener and waits (bounded) until the set says it is unhealthy.
void make_unhealthy(mirakuru::ServiceSet& set) {
  set.executor("web").signal(SIGUSR1);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (set.healthy("web") && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("GT_UNHEALTHY_SEEN %d\n", set.healthy("web") ? 0 : 1);
  std::fflush(stdout);
}

TEST(Health, TurnsUnhealthy) {
  body();
  make_unhealthy(mirakuru::gtest::services());
}

TEST(Health, ReportedOnce) {
  body();
  EXPECT_TRUE(mirakuru::gtest::services().executor("web").running());
}

class OwnSet : public mirakuru::gtest::ServiceTest {
 protected:
  OwnSet() : ServiceTest(web_set()) {}
};

TEST_F(OwnSet, TurnsUnhealthy) {
  body();
  make_unhealthy(services());
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(web_set()));
  return RUN_ALL_TESTS();
}
