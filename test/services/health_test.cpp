// "health": checks repeated while a service runs. mk_svc_service --health-signals closes its
// listener on SIGUSR1 (connections refused) and opens it again on SIGUSR2.
#include <dirent.h>

#include <chrono>
#include <string>
#include <thread>

#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Health has no event to wait on from outside: look every few milliseconds, bounded.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s * test::kTimeScale) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

int thread_count() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* entry = ::readdir(dir)) n += entry->d_name[0] != '.';
    ::closedir(dir);
  }
  return n;
}

ServiceSet web_set(const std::string& health) {
  return test::svc_set(R"({"services": {"web": {
    "command": "${vars.svc} --port ${port} --health-signals", "port": "auto",
    "ready": {"tcp": {}}, "health": )" +
                       health + "}}}");
}

TEST(ServiceSetHealth, FailuresInARowMakeItUnhealthyAndAPassingCheckHealthyAgain) {
  auto set = web_set(R"({"tcp": {}, "interval": "20ms", "failures": 3})");
  set.start();
  ASSERT_TRUE(eventually([&] { return set.health("web").checks >= 2; }));
  EXPECT_TRUE(set.healthy("web"));
  EXPECT_TRUE(set.health("web").checked);
  EXPECT_THAT(set.health("web").check,
              HasSubstr("TCP 127.0.0.1:" + std::to_string(set.port("web"))));

  set.executor("web").signal(SIGUSR1);  // the listener closes: checks are refused
  // Never unhealthy before the third failure in a row.
  ASSERT_TRUE(eventually([&] {
    const ServiceHealth h = set.health("web");
    if (h.failures_in_a_row > 0 && h.failures_in_a_row < 3) {
      EXPECT_TRUE(h.healthy) << h.failures_in_a_row << " failures";
    }
    return !h.healthy;
  }));
  ServiceHealth h = set.health("web");
  EXPECT_FALSE(set.healthy("web"));
  EXPECT_GE(h.failures_in_a_row, 3);
  EXPECT_EQ(h.turned_unhealthy, 1u);
  EXPECT_THAT(h.last_result, HasSubstr("refused"));
  EXPECT_TRUE(set.executor("web").running());  // unhealthy, not dead

  set.executor("web").signal(SIGUSR2);  // listening again
  ASSERT_TRUE(eventually([&] { return set.healthy("web"); }));
  EXPECT_EQ(set.health("web").failures_in_a_row, 0);
  EXPECT_EQ(set.health("web").turned_unhealthy, 1u);
  set.stop();
  EXPECT_FALSE(set.healthy("web"));  // not running
}

TEST(ServiceSetHealth, ChecksStopWithTheSetAndStartAgainWithIt) {
  auto set = web_set(R"({"tcp": {}, "interval": "20ms"})");
  set.start();
  ASSERT_TRUE(eventually([&] { return set.health("web").checks >= 1; }));
  set.stop();
  const std::size_t after_stop = set.health("web").checks;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(set.health("web").checks, after_stop);
  set.start();
  EXPECT_EQ(set.health("web").checks, 0u);  // counted again from this start
  ASSERT_TRUE(eventually([&] { return set.health("web").checks >= 1; }));
  set.stop();
}

TEST(ServiceSetHealth, StopDoesNotWaitForTheNextInterval) {
  auto set = web_set(R"({"tcp": {}, "interval": "30m"})");
  set.start();
  const auto began = std::chrono::steady_clock::now();
  set.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s * test::kTimeScale);
}

TEST(ServiceSetHealth, StopCutsARunningCheckCommandShort) {
  // Each check runs for its whole bound (1 s): stop() must not wait for it.
  auto set = web_set(R"({"exec": {"command": ["sleep", "30"]}, "interval": "10ms"})");
  set.start();
  std::this_thread::sleep_for(50ms);  // the first check is running now
  const auto began = std::chrono::steady_clock::now();
  set.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 900ms * test::kTimeScale);
}

TEST(ServiceSetHealth, OneThreadPerCheckedService) {
  auto without = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "b": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "c": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}}}})");
  without.start();
  const int plain = thread_count();
  without.stop();
  auto with = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}},
          "health": {"tcp": {}, "interval": "20ms"}},
    "b": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}},
          "health": {"tcp": {}, "interval": "20ms"}},
    "c": {"command": "${vars.svc} --port ${port} --http", "port": "auto", "ready": {"tcp": {}},
          "health": {"http": {}, "interval": "20ms"}}}})");
  with.start();
  EXPECT_EQ(thread_count(), plain + 3);
  with.stop();
}

// A check that hangs for its whole bound (1 s here) holds back no other service's checks.
TEST(ServiceSetHealth, AHangingCheckDelaysNoOtherService) {
  auto set = test::svc_set(R"({"services": {
    "stuck": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}},
              "health": {"exec": {"command": ["sleep", "30"]}, "interval": "10ms"}},
    "fine": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}},
             "health": {"tcp": {}, "interval": "10ms"}}}})");
  set.start();
  // One thread for both would alternate: one check of "fine" per hanging check of "stuck".
  ASSERT_TRUE(eventually([&] { return set.health("fine").checks >= 20; }));
  EXPECT_LE(set.health("stuck").checks, 2u);
  EXPECT_TRUE(set.healthy("fine"));
  set.stop();
}

TEST(ServiceSetHealth, TheRateIsBoundedByTheInterval) {
  auto set = web_set(R"({"tcp": {}, "interval": "100ms"})");
  set.start();
  const auto began = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(550ms);
  const std::size_t checks = set.health("web").checks;
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  EXPECT_LE(checks, static_cast<std::size_t>(waited / 100ms) + 1);
  EXPECT_GE(checks, 1u);
  set.stop();
}

TEST(ServiceSetHealth, WithoutHealthHealthyMeansRunning) {
  auto set = test::svc_set(R"({"services": {"s": {"command": "${vars.svc}"}}})");
  EXPECT_FALSE(set.healthy("s"));
  set.start();
  EXPECT_TRUE(set.healthy("s"));
  EXPECT_FALSE(set.health("s").checked);
  set.stop();
  EXPECT_FALSE(set.healthy("s"));
  EXPECT_THROW((void)set.healthy("nope"), std::out_of_range);
}

TEST(ServiceSetHealth, ConfigErrorsNameTheirPath) {
  const std::string head = R"({"services": {"s": {"command": "x", "port": 1, "health": )";
  test::expect_error(head + R"({"output": {"banner": "x"}}}}})", "/services/s/health/output",
                     "cannot be a health check");
  test::expect_error(head + R"({"all": [{"tcp": {}}, {"output": {"banner": "x"}}]}}}})",
                     "/services/s/health/all/1/output", "cannot be a health check");
  test::expect_error(head + R"({"tcp": {}, "interval": "1ms"}}}})", "/services/s/health/interval",
                     "within 10ms and 1h");
  test::expect_error(head + R"({"tcp": {}, "failures": 0}}}})", "/services/s/health/failures", "");
  test::expect_error(head + R"({"interval": "1s"}}}})", "/services/s/health", "missing the check");
  test::expect_error(head + R"({"tcp": {}, "file": {"path": "x"}}}}})", "/services/s/health",
                     "exactly one");
  test::expect_error(head + R"({"tcp": {}, "intervall": "1s"}}}})", "/services/s/health/intervall",
                     "interval");
  test::expect_error(head + R"([{"tcp": {}}]}}})", "/services/s/health", "");
}

}  // namespace
}  // namespace mirakuru
