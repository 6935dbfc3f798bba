// mk_fault_gtest_runner — a GoogleTest runner whose only test starts services (one of them a
// daemon with an emptied environment) and then throws. $FAULT_DIR receives the pid files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mirakuru::test::fixture;

TEST(Injected, TestBodyThrowsWhileServicesRun) {
  const char* dir_env = std::getenv("FAULT_DIR");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_NE(dir_env, nullptr);
  const std::filesystem::path dir = dir_env;
  mirakuru::SimpleExecutor sleeper(mirakuru::Command(std::vector<std::string>{fixture("sleeper")}));
  sleeper.start();
  std::ofstream(dir / "sleeper.leader.pid") << sleeper.pid() << "\n";
  mirakuru::SimpleExecutor daemon(
      {fixture("daemon"), (dir / "daemon.pid").string(), "--clear-env"});
  daemon.start();
  ASSERT_EQ(daemon.wait(10s), 0);
  ASSERT_GT(mirakuru::test::read_pid_file(dir / "daemon.pid"), 0);
  throw std::runtime_error("injected failure in the test body");
}

}  // namespace
