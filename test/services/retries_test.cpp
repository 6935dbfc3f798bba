// "retries" / "retry_delay" in a service set: each attempt a fresh process and, on an auto port,
// a fresh port; the final error lists every attempt. mk_svc_service counts its starts in a file
// of the test's own temporary directory and fails the first K of them.
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "mirakuru/ports.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// The ports of the attempts the fixture recorded ("attempt N port P" lines).
std::vector<int> attempt_ports(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<int> ports;
  std::string word, port_word;
  int n = 0, port = 0;
  while (in >> word >> n >> port_word >> port) ports.push_back(port);
  return ports;
}

struct FlakySet {
  test::TempDir dir;
  std::filesystem::path attempts = dir / "attempts";

  // `service` is the JSON of service "s"; ${vars.attempts} is the counting file.
  ServiceSet make(const std::string& service, const std::string& others = "") const {
    auto config = test::with_svc(R"({"services": {"s": )" + service + others + "}}");
    config["vars"]["attempts"] = attempts.string();
    return ServiceSet::from_json(config);
  }
};

TEST(ServiceSetRetries, EachAttemptGetsAFreshProcessAndAFreshAutoPort) {
  FlakySet flaky;
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --fail-attempts 2",
                            "port": "auto", "ready": {"tcp": {}}, "retries": 2})");
  set.start();
  const auto ports = attempt_ports(flaky.attempts);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 3u) << "ports were reused";
  EXPECT_EQ(set.port("s"), ports.back());
  EXPECT_TRUE(set.executor("s").running());
  // The set retries; its executor itself does not (it would keep the old port).
  EXPECT_EQ(set.executor("s").options().retries, 0);
  set.stop();
}

TEST(ServiceSetRetries, AFixedPortIsRetriedOnTheSamePort) {
  FlakySet flaky;
  const ReservedPort held = reserve_port();  // a free port no other runner takes meanwhile
  const int port = held.port();
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --fail-attempts 1",
                            "port": )" +
      std::to_string(port) + R"(, "ready": {"tcp": {}}, "retries": 1})");
  set.start();
  EXPECT_EQ(attempt_ports(flaky.attempts), (std::vector<int>{port, port}));
  set.stop();
}

TEST(ServiceSetRetries, TheFinalErrorListsEveryAttemptWithItsPort) {
  FlakySet flaky;
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --fail-attempts 9",
                            "port": "auto", "ready": {"tcp": {}}, "retries": 2,
                            "retry_delay": "10ms"})");
  try {
    set.start();
    FAIL() << "start() succeeded";
  } catch (const ProcessExitedWithError& e) {
    const std::string what = e.what();
    const auto ports = attempt_ports(flaky.attempts);
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_THAT(what, HasSubstr("service 's': start failed 3 times:"));
    for (std::size_t k = 0; k < ports.size(); ++k) {
      EXPECT_THAT(what, HasSubstr("attempt " + std::to_string(k + 1) + " on port " +
                                  std::to_string(ports[k]) + ": exited early after "));
    }
    EXPECT_THAT(what, HasSubstr("failing on purpose"));
  }
  EXPECT_FALSE(set.executor("s").running());
}

TEST(ServiceSetRetries, ATimeoutIsRetried) {
  FlakySet flaky;
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --hang-attempts 1",
                            "port": "auto", "ready": {"tcp": {}}, "timeout": "300ms",
                            "retries": 1})");
  set.start();
  EXPECT_EQ(attempt_ports(flaky.attempts).size(), 2u);
  set.stop();
}

TEST(ServiceSetRetries, ATakenAutoPortIsRetriedOnceEvenWithoutRetries) {
  FlakySet flaky;
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --taken-attempts 1",
                            "port": "auto", "ready": {"tcp": {}}})");
  set.start();
  const auto ports = attempt_ports(flaky.attempts);
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]);
  set.stop();
}

TEST(ServiceSetRetries, ATakenAutoPortIsNotRetriedForeverWithoutRetries) {
  FlakySet flaky;
  auto set = flaky.make(
      R"({"command": "${vars.svc} --port ${port} --attempts ${vars.attempts} --taken-attempts 9",
                            "port": "auto", "ready": {"tcp": {}}})");
  EXPECT_THROW(set.start(), ProcessExitedWithError);
  EXPECT_EQ(attempt_ports(flaky.attempts).size(), 2u);
}

TEST(ServiceSetRetries, AnotherServiceFailingEndsTheRetryDelay) {
  FlakySet flaky;
  auto set = flaky.make(R"({"command": "${vars.svc} --attempts ${vars.attempts} --fail-attempts 9",
                            "ready": {"output": {"banner": "^ready$"}}, "retries": 3,
                            "retry_delay": "20s"})",
                        R"(, "broken": {"command": "${vars.svc} --delay 300 --fail 2",
                                        "ready": {"output": {"banner": "^ready$"}}})");
  const auto began = std::chrono::steady_clock::now();
  EXPECT_THROW(set.start(), ProcessExitedWithError);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s * test::kTimeScale);
  EXPECT_EQ(attempt_ports(flaky.attempts).size(), 1u);
}

TEST(ServiceSetRetries, OutOfRangeValuesAreConfigErrors) {
  const std::string head = R"({"services": {"s": {"command": "x", )";
  test::expect_error(head + R"("retries": -1}}})", "/services/s/retries", "");
  test::expect_error(head + R"("retries": 101}}})", "/services/s/retries", "");
  test::expect_error(head + R"("retries": "3"}}})", "/services/s/retries", "");
  test::expect_error(head + R"("retry_delay": "2h"}}})", "/services/s/retry_delay", "at most 1h");
  test::expect_error(head + R"("retry_delay": -5}}})", "/services/s/retry_delay", "duration");
  test::expect_error(head + R"("retry_delay": "soon"}}})", "/services/s/retry_delay", "duration");
  test::expect_error(head + R"("retrys": 1}}})", "/services/s/retrys", "retries");
}

}  // namespace
}  // namespace mirakuru
