// mk_attach_program: a GoogleTest program on mirakuru::gtest_main, run by cli_attach_test with
// MIRAKURU_ATTACH (and MIRAKURU_STATE_DIR) pointing at a keeper's set. EXPECT_DB_PORT says which
// port the keeper's "db" has.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "mirakuru/gtest.hpp"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

TEST(AttachProgram, SeesTheKeepersEndpoints) {
  auto& set = mirakuru::gtest::services();
  EXPECT_TRUE(set.attached());
  EXPECT_EQ(std::to_string(set.port("db")), env("EXPECT_DB_PORT"));
  EXPECT_THROW(set.executor("db"), std::logic_error);
}

// Kills the keeper's service, then waits until the keeper has told every attached process
// (it logs the death right after): the death must fail this very test.
TEST(AttachProgram, ServiceDies) {
  ASSERT_EQ(::kill(std::stoi(env("KILL_PID")), SIGKILL), 0);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::ifstream log(env("KEEPER_LOG"));
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (text.find("service 'db'") != std::string::npos) break;
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "the keeper never reported the death";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace
