// A test binary on mirakuru::gtest_main: its services come from --mirakuru_services or
// MIRAKURU_SERVICES (an alpha and, optionally, a beta mk_gt_server). Run by gt_runner_test
// with different flags; it is not a ctest test of its own.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

using mirakuru::gtest_test::ask;

TEST(Consumer, Answers) {
  auto& set = mirakuru::gtest::services();
  EXPECT_EQ(ask(set.port("alpha")), "alpha");
  for (const auto& name : set.names()) EXPECT_EQ(ask(set.port(name)), name);
}

TEST(Consumer, PrintsPid) {
  auto& set = mirakuru::gtest::services();
  ASSERT_TRUE(set.executor("alpha").running());
  std::printf("GT_PID alpha=%d\n", static_cast<int>(set.executor("alpha").pid()));
  std::printf("GT_PORT alpha=%d\n", set.port("alpha"));
  EXPECT_EQ(ask(set.port("alpha")), "alpha");
}

// gtest_main makes "threadsafe" the default death-test style (the runner has threads).
TEST(Style, DeathTestsAreThreadsafeByDefault) {
#ifdef GTEST_FLAG_GET
  EXPECT_EQ(GTEST_FLAG_GET(death_test_style), "threadsafe");
#else
  EXPECT_EQ(::testing::GTEST_FLAG(death_test_style), "threadsafe");
#endif
}

// The re-executed child gets the same --mirakuru_services but starts nothing: it attaches.
TEST(Style, DeathTestChildAttachesToTheParentsServices) {
  EXPECT_EXIT(
      {
        auto& set = mirakuru::gtest::services();
        std::_Exit(set.attached() && ask(set.port("alpha")) == "alpha" ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// Kills alpha behind the library's back; the layer must fail this test naming the service.
TEST(Killer, KillsAlpha) {
  if (std::getenv("GT_KILL") == nullptr) GTEST_SKIP() << "only with GT_KILL=1";
  auto& alpha = mirakuru::gtest::services().executor("alpha");
  ASSERT_EQ(::kill(alpha.pid(), SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alpha.running() && std::chrono::steady_clock::now() < deadline) {
    alpha.wait(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(alpha.running());
  std::printf("GT_KILLED alpha\n");
}

// Blocks until the runner interrupts it (gtest_main's SIGINT handling is under test).
TEST(Waiter, BlocksUntilInterrupted) {
  if (std::getenv("GT_BLOCK") == nullptr) GTEST_SKIP() << "only with GT_BLOCK=1";
  ASSERT_TRUE(mirakuru::gtest::services().executor("alpha").running());
  std::printf("GT_BLOCKING\n");
  std::fflush(stdout);
  // The signal interrupts poll (EINTR) long before the deadline; the handler's thread then
  // stops the services and ends the process.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) ::poll(nullptr, 0, 1000);
  ADD_FAILURE() << "not interrupted within 30 s";
}

// Waits for alpha to end: the runner's SIGINT makes the termination handler stop it, and this
// test then ends while the handler is still stopping the others.
TEST(Waiter, OutlivesAlpha) {
  if (std::getenv("GT_OUTLIVE") == nullptr) GTEST_SKIP() << "only with GT_OUTLIVE=1";
  auto& alpha = mirakuru::gtest::services().executor("alpha");
  std::printf("GT_WAITING\n");
  std::fflush(stdout);
  auto code = alpha.wait(std::chrono::seconds(30));
  std::printf("GT_ALPHA_ENDED %d\n", code ? *code : -1000);
  std::fflush(stdout);
}

}  // namespace
