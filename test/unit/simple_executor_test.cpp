#include "mirakuru/simple_executor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using test::fixture;

// kill(SIGTERM) would mean kill(wait=true): it must not compile.
template <typename T, typename = void>
struct CanKillWith : std::false_type {};
template <typename T>
struct CanKillWith<T,
                   std::void_t<decltype(std::declval<SimpleExecutor&>().kill(std::declval<T>()))>>
    : std::true_type {};
static_assert(!CanKillWith<int>::value, "kill(SIGTERM) must not compile");
static_assert(CanKillWith<bool>::value, "kill(true) must compile");
static_assert(!std::is_copy_constructible_v<SimpleExecutor>);
static_assert(std::is_nothrow_move_constructible_v<SimpleExecutor>);
static_assert(std::is_constructible_v<SimpleExecutor, const char*>);  // SimpleExecutor("sleep 300")

TEST(SimpleExecutor, StartsAndStops) {
  SimpleExecutor sleeper("sleep 300");
  EXPECT_EQ(sleeper.pid(), -1);
  EXPECT_FALSE(sleeper.running());
  sleeper.start();
  const pid_t pid = sleeper.pid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(sleeper.running());
  EXPECT_TRUE(test::alive(pid));
  EXPECT_EQ(::getpgid(pid), pid) << "own process group";
  EXPECT_EQ(::getsid(pid), pid) << "own session";
  sleeper.stop();
  EXPECT_FALSE(sleeper.running());
  EXPECT_EQ(sleeper.pid(), -1);
  EXPECT_EQ(sleeper.returncode(), -SIGTERM);
  EXPECT_FALSE(test::alive(pid));
  EXPECT_NE(::kill(pid, 0), 0) << "reaped, not a zombie";
}

TEST(SimpleExecutor, CapturesStdoutAndStderrSeparately) {
  SimpleExecutor ex({fixture("proc_exit"), "0", "on stderr"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  ex.stop();
  EXPECT_EQ(ex.output(), "out\n");
  EXPECT_EQ(ex.err_output(), "on stderr\n");
  EXPECT_EQ(ex.returncode(), 0);
}

TEST(SimpleExecutor, ReturncodeIsNegativeSignalNumber) {
  SimpleExecutor ex({fixture("proc_exit"), "-6"});
  ex.start();
  EXPECT_EQ(ex.wait(10s), -SIGABRT);
  EXPECT_FALSE(ex.running());
  EXPECT_GT(ex.pid(), 0) << "pid() does not flip to -1 in the background";
  EXPECT_THROW(ex.stop(), ProcessFinishedWithError);
  EXPECT_EQ(ex.pid(), -1);
}

TEST(SimpleExecutor, UnexpectedExitCodeOnStop) {
  SimpleExecutor ex({fixture("proc_exit"), "3", "bad things"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 3);
  try {
    ex.stop();
    FAIL() << "no error";
  } catch (const ProcessFinishedWithError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("bad things"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("proc_exit"), std::string::npos) << e.what();
  }
  SimpleExecutor ok({fixture("proc_exit"), "3"}, {.expected_returncode = 3});
  ok.start();
  ASSERT_EQ(ok.wait(10s), 3);
  EXPECT_NO_THROW(ok.stop());
}

TEST(SimpleExecutor, EnvironmentAndCwdReachTheChild) {
  test::TempDir dir;
  ::setenv("MK_TEST_INHERITED", "from-runner", 1);
  ::setenv("MK_TEST_REMOVED", "x", 1);
  SimpleExecutor ex(
      {fixture("echo_env"), "MK_TEST_INHERITED", "MK_TEST_ADDED", "MK_TEST_REMOVED"},
      {.cwd = dir.path(), .env = {{"MK_TEST_ADDED", "a b"}}, .env_remove = {"MK_TEST_REMOVED"}});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  const std::string out = ex.output();
  EXPECT_NE(out.find("cwd=" + dir.path().string() + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("MK_TEST_INHERITED=from-runner\n"), std::string::npos) << out;
  EXPECT_NE(out.find("MK_TEST_ADDED=a b\n"), std::string::npos) << out;
  EXPECT_NE(out.find("MK_TEST_REMOVED unset\n"), std::string::npos) << out;

  SimpleExecutor clean({fixture("echo_env"), "MK_TEST_INHERITED", "ONLY"},
                       {.env = {{"ONLY", "1"}}, .inherit_env = false});
  clean.start();
  ASSERT_EQ(clean.wait(10s), 0);
  EXPECT_NE(clean.output().find("MK_TEST_INHERITED unset"), std::string::npos);
  EXPECT_NE(clean.output().find("ONLY=1"), std::string::npos);
}

TEST(SimpleExecutor, PathLookupUsesTheChildsPath) {
  test::TempDir dir;
  const auto script = dir / "mk-only-here";
  std::ofstream(script) << "#!/bin/sh\necho found-by-path\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  SimpleExecutor ex("mk-only-here", {.env = {{"PATH", dir.path().string() + ":/usr/bin:/bin"}}});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  EXPECT_EQ(ex.output(), "found-by-path\n");
}

TEST(SimpleExecutor, ShellModeRunsTheLineVerbatim) {
  SimpleExecutor ex("echo $((6 * 7)) | tr 4 X; echo err >&2", {.shell = true});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  EXPECT_EQ(ex.output(), "X2\n");
  EXPECT_EQ(ex.err_output(), "err\n");
}

TEST(SimpleExecutor, NullAndInheritModesCaptureNothing) {
  SimpleExecutor ex({fixture("proc_exit"), "0", "e"},
                    {.stdout_mode = Stdio::Null, .stderr_mode = Stdio::Null});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  EXPECT_EQ(ex.output(), "");
  EXPECT_EQ(ex.err_output(), "");
}

TEST(SimpleExecutor, LogFileGetsEverything) {
  test::TempDir dir;
  SimpleExecutor ex({fixture("proc_exit"), "0", "to stderr"}, {.log_file = dir / "svc.log"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  ex.stop();
  std::ifstream in(dir / "svc.log");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(content.find("out\n"), std::string::npos) << content;
  EXPECT_NE(content.find("to stderr\n"), std::string::npos) << content;
}

TEST(SimpleExecutor, StopEscalatesOnAProcessIgnoringSigterm) {
  test::Observed ex(fixture("term_ignorer"), {.stop_timeout = 200ms});
  ex.start();
  // "ready" is printed once its handlers are installed.
  ASSERT_TRUE(ex.wait_for_output("ready"));
  const pid_t pid = ex.pid();
  const auto before = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(ex.stop()) << "escalation is a warning, not an error";
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(ex.returncode(), -SIGKILL);
  EXPECT_FALSE(test::alive(pid));
}

TEST(SimpleExecutor, StoppedGuardRestarts) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  const pid_t first = ex.pid();
  {
    auto guard = ex.stopped();
    EXPECT_FALSE(ex.running());
    EXPECT_FALSE(test::alive(first));
  }
  EXPECT_TRUE(ex.running());
  EXPECT_NE(ex.pid(), first);
  {
    auto guard = ex.stopped();
    guard.resume();
    EXPECT_TRUE(ex.running());
  }
  ex.stop();
  auto noop = ex.stopped();  // not running: the guard does nothing
  EXPECT_FALSE(ex.running());
}

TEST(SimpleExecutor, SignalReachesTheGroupOnly) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  ex.signal(SIGUSR1);
  EXPECT_EQ(ex.wait(10s), -SIGUSR1);
  EXPECT_NO_THROW(ex.kill());
}

TEST(SimpleExecutor, KillWithoutWaitThenStop) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  ex.kill(false, SIGTERM);
  EXPECT_EQ(ex.wait(10s), -SIGTERM);
  ex.stop();
  EXPECT_EQ(ex.pid(), -1);
}

TEST(SimpleExecutor, MoveKeepsTheProcessAndEmptiesTheSource) {
  SimpleExecutor a("sleep 300");
  a.start();
  const pid_t pid = a.pid();
  SimpleExecutor b(std::move(a));
  EXPECT_EQ(b.pid(), pid);
  EXPECT_FALSE(a.running());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_NO_THROW(a.stop());  // NOLINT(bugprone-use-after-move)
  SimpleExecutor c("sleep 301");
  c.start();
  const pid_t other = c.pid();
  c = std::move(b);  // kills what c ran
  EXPECT_FALSE(test::alive(other));
  EXPECT_EQ(c.pid(), pid);
  c.stop();
}

TEST(SimpleExecutor, DestructorKills) {
  pid_t pid = -1;
  {
    SimpleExecutor ex("sleep 300");
    ex.start();
    pid = ex.pid();
  }
  EXPECT_FALSE(test::alive(pid));
}

TEST(SimpleExecutor, StartOnARunningExecutorDoesNothing) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  const pid_t pid = ex.pid();
  SimpleExecutor* returned = nullptr;
  EXPECT_NO_THROW(returned = &ex.start()) << "like Python mirakuru: a no-op";
  EXPECT_EQ(returned, &ex);
  EXPECT_EQ(ex.pid(), pid) << "the same process, not a second one";
  EXPECT_TRUE(ex.running());
}

TEST(SimpleExecutor, RestartAfterExitClearsTheOldRun) {
  SimpleExecutor ex({fixture("proc_exit"), "0", "first"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  EXPECT_EQ(ex.err_output(), "first\n");
  ex.start();  // exited by itself: start() again is fine
  ASSERT_EQ(ex.wait(10s), 0);
  EXPECT_EQ(ex.err_output(), "first\n");
  EXPECT_EQ(ex.output(), "out\n") << "not out\\nout\\n: each run starts empty";
}

TEST(SimpleExecutor, OneGigabyteNeverBlocksAndMemoryStaysBounded) {
  SimpleExecutor ex({fixture("writer"), "1024", "the-end"}, {.output_limit = 64 * 1024});
  ex.start();
  ASSERT_EQ(ex.wait(120s), 0) << "the writer was blocked on a full pipe";
  ex.stop();
  const std::string out = ex.output();
  EXPECT_EQ(out.size(), 64u * 1024);
  EXPECT_EQ(out.substr(out.size() - 8), "the-end\n");
}

TEST(SimpleExecutor, ChildInheritsOnlyStdio) {
  int leaked[2];
  ASSERT_EQ(::pipe(leaked), 0);  // deliberately not CLOEXEC
  SimpleExecutor ex(fixture("fd_lister"));
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  ex.stop();
  EXPECT_EQ(ex.output(), "0\n1\n2\nend\n");
  ::close(leaked[0]);
  ::close(leaked[1]);
}

TEST(SimpleExecutor, ChildStartsWithDefaultSignals) {
  std::signal(SIGUSR2, SIG_IGN);  // ignored dispositions survive exec unless reset
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  SimpleExecutor ex("grep -E '^(SigBlk|SigIgn)' /proc/self/status");
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  pthread_sigmask(SIG_UNBLOCK, &block, nullptr);
  std::signal(SIGUSR2, SIG_DFL);
  EXPECT_NE(ex.output().find("SigBlk:\t0000000000000000"), std::string::npos) << ex.output();
  EXPECT_NE(ex.output().find("SigIgn:\t0000000000000000"), std::string::npos) << ex.output();
}

}  // namespace
}  // namespace mirakuru
