// Sample 3 — one redis-server for the whole test run: a global GoogleTest environment
// (ServiceEnvironment) started from redis.json, before the first test and stopped after the
// last. The tests talk to it with redis-cli.
#include <gtest/gtest.h>

#include <chrono>
#include <mirakuru/cleanup.hpp>
#include <mirakuru/gtest.hpp>
#include <mirakuru/mirakuru.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sample_report.hpp"

namespace {

using namespace std::chrono_literals;

// A ServiceEnvironment that also reports for the demo what it started and that it cleaned up.
class RedisEnvironment : public mirakuru::gtest::ServiceEnvironment {
 public:
  RedisEnvironment() : ServiceEnvironment(SAMPLE_SOURCE_DIR "/redis.json") {}

  void SetUp() override {
    const auto t0 = std::chrono::steady_clock::now();
    ServiceEnvironment::SetUp();  // a failure is a fatal GoogleTest failure of the run
    try {
      shot_ = samples::started("redis", services(), "redis", samples::since(t0));
    } catch (const std::logic_error&) {
      // Not started (the failure is already reported); GoogleTest skips every test.
    }
  }
  void TearDown() override {
    ServiceEnvironment::TearDown();
    if (shot_) samples::cleaned(*shot_);
  }

 private:
  std::optional<samples::Snapshot> shot_;
};

// Runs redis-cli against the global redis and returns its stdout.
std::string redis_cli(std::vector<std::string> args) {
  const int port = mirakuru::gtest::services().port("redis");
  std::vector<std::string> argv{"redis-cli", "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  mirakuru::SimpleExecutor cli(argv);
  cli.start();
  const auto code = cli.wait(5s);
  EXPECT_EQ(code, 0) << cli.command().str() << "\n" << cli.err_output();
  return cli.output();
}

TEST(Redis, SetThenGet) {
  EXPECT_EQ(redis_cli({"SET", "sample:greeting", "hello redis"}), "OK\n");
  EXPECT_EQ(redis_cli({"GET", "sample:greeting"}), "hello redis\n");
}

TEST(Redis, UnknownKeysAreEmpty) {
  EXPECT_EQ(redis_cli({"GET", "sample:never-set"}), "\n");  // nil, without a terminal
  EXPECT_EQ(redis_cli({"EXISTS", "sample:never-set"}), "0\n");
}

TEST(Redis, CountersIncrement) {
  redis_cli({"DEL", "sample:counter"});
  redis_cli({"INCR", "sample:counter"});
  EXPECT_EQ(redis_cli({"INCRBY", "sample:counter", "41"}), "42\n");
}

// The server writes only into the service set's ${tmpdir}, which is removed after the stop.
TEST(Redis, KeepsItsFilesInTheServiceTmpdir) {
  const auto tmpdir = mirakuru::gtest::services().tmpdir("redis");
  EXPECT_EQ(redis_cli({"CONFIG", "GET", "dir"}), "dir\n" + tmpdir.string() + "\n");
  EXPECT_EQ(redis_cli({"CONFIG", "GET", "save"}), "save\n\n");  // --save '': no snapshots
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new RedisEnvironment);  // GoogleTest takes ownership
  mirakuru::install_termination_handler();  // Ctrl-C: redis gets its own graceful stop first
  return RUN_ALL_TESTS();
}
