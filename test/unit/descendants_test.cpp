// Descendants that leave the process group — double fork, setsid, an emptied environment —
// are still killed by stop(), because the guardian is their subreaper.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <chrono>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using test::fixture;

class Daemons : public ::testing::TestWithParam<const char*> {};

TEST_P(Daemons, StopKillsTheDaemonThatLeftTheGroup) {
  test::TempDir dir;
  const auto pid_file = dir / "daemon.pid";
  std::vector<std::string> argv{fixture("daemon"), pid_file.string()};
  if (*GetParam() != '\0') argv.emplace_back(GetParam());
  SimpleExecutor ex(argv);
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0) << ex.err_output();
  const pid_t daemon = test::read_pid_file(pid_file);
  ASSERT_GT(daemon, 0);
  ASSERT_TRUE(test::alive(daemon));
  EXPECT_NE(::getpgid(daemon), ex.pid()) << "the daemon really left the group";
  ex.stop();
  EXPECT_FALSE(test::alive(daemon)) << "stop() returned while a descendant lives";
}

INSTANTIATE_TEST_SUITE_P(Variants, Daemons, ::testing::Values("", "--clear-env", "--keep-output"));

TEST(Descendants, ShellPipelineChildrenAllDie) {
  test::TempDir dir;
  SimpleExecutor ex(
      "sleep 300 | sleep 301 & echo $! > " + (dir / "bg.pid").string() + "; sleep 302",
      {.shell = true});
  ex.start();
  const pid_t background = test::read_pid_file(dir / "bg.pid");
  ASSERT_GT(background, 0);
  ASSERT_TRUE(test::alive(background));
  ex.stop();
  EXPECT_FALSE(test::alive(background));
}

TEST(Descendants, DaemonSurvivingItsParentIsKilledByKill) {
  test::TempDir dir;
  SimpleExecutor ex({fixture("daemon"), (dir / "d.pid").string(), "--clear-env"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  const pid_t daemon = test::read_pid_file(dir / "d.pid");
  ASSERT_TRUE(test::alive(daemon));
  EXPECT_FALSE(ex.running()) << "the leader exited; the daemon is still tracked";
  ex.kill();
  EXPECT_FALSE(test::alive(daemon));
}

TEST(Descendants, DestructorKillsDaemonsToo) {
  test::TempDir dir;
  pid_t daemon = -1;
  {
    SimpleExecutor ex({fixture("daemon"), (dir / "d.pid").string()});
    ex.start();
    ASSERT_EQ(ex.wait(10s), 0);
    daemon = test::read_pid_file(dir / "d.pid");
    ASSERT_TRUE(test::alive(daemon));
  }
  EXPECT_FALSE(test::alive(daemon));
}

TEST(Descendants, TheRunnerIsNotASubreaperAndHasNoSigchldHandler) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  int is_subreaper = -1;
  ASSERT_EQ(::prctl(PR_GET_CHILD_SUBREAPER, &is_subreaper), 0);
  EXPECT_EQ(is_subreaper, 0);
  struct sigaction current {};
  ::sigaction(SIGCHLD, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
  ex.stop();
}

}  // namespace
}  // namespace mirakuru
