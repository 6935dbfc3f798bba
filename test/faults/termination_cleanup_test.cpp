// The termination handler removes the temporary directories of live service sets: the runner
// dies of the re-raised signal before any destructor could. First the registry behind it
// (process/termination_dirs.hpp) alone, then runners (mk_termination_runner) interrupted for
// real, each started as a mirakuru service so that anything it leaves behind is seen.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "leak_check.hpp"
#include "mirakuru/mirakuru.hpp"
#include "process/termination_dirs.hpp"
#include "runner_process.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using detail::CleanupRegistration;

using faults::ms;
using faults::read_text;

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A small tree like a service set's scratch: DIR/a/file, DIR/b/file.
fs::path make_tree(const fs::path& dir) {
  for (const char* sub : {"a", "b"}) {
    fs::create_directories(dir / sub);
    std::ofstream(dir / sub / "file") << "x";
  }
  return dir;
}

TEST(CleanupRegistry, RemovesRegisteredTreesOnceAndForgetsThem) {
  test::TempDir root;
  const auto dir = make_tree(root / "scratch");
  CleanupRegistration registration(dir);
  EXPECT_EQ(detail::run_cleanups(), 1u);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::exists(root.path()));  // only what was registered
  // Acted on once: a directory created at the same path afterwards is not the registry's.
  make_tree(dir);
  EXPECT_EQ(detail::run_cleanups(), 0u);
  EXPECT_TRUE(fs::exists(dir / "a" / "file"));
}

TEST(CleanupRegistry, AnUnregisteredDirectoryIsLeftAlone) {
  test::TempDir root;
  const auto gone = make_tree(root / "gone");
  const auto kept = make_tree(root / "kept");
  CleanupRegistration stays(gone);
  { CleanupRegistration dropped(kept); }  // the owner removed it (or not) on its own path
  CleanupRegistration moved_from(make_tree(root / "moved"));
  CleanupRegistration holder = std::move(moved_from);
  holder = CleanupRegistration();  // move-assignment unregisters what it held
  EXPECT_EQ(detail::run_cleanups(), 1u);
  EXPECT_FALSE(fs::exists(gone));
  EXPECT_TRUE(fs::exists(kept / "b" / "file"));
  EXPECT_TRUE(fs::exists(root / "moved" / "b" / "file"));
}

TEST(CleanupRegistry, KeptPathsStayWithTheirParentsTheRestGoes) {
  test::TempDir root;
  const auto dir = make_tree(root / "scratch");
  fs::create_directories(dir / "b" / "deep");
  CleanupRegistration registration(dir / "");  // a trailing '/' changes nothing
  registration.keep({dir / "b" / "deep"});
  registration.keep({dir / "." / "a" / ""});  // replaces the previous list
  EXPECT_EQ(detail::run_cleanups(), 1u);
  EXPECT_TRUE(fs::exists(dir / "a" / "file"));
  EXPECT_FALSE(fs::exists(dir / "b"));
  registration.keep({dir / "a"});  // after the run: nothing left to change, nothing happens
  EXPECT_EQ(detail::run_cleanups(), 0u);
  EXPECT_TRUE(fs::exists(dir / "a" / "file"));
}

// Freezing is for good in a process: done in a forked child, which also shows that a fork has
// none of its parent's registrations.
TEST(CleanupRegistry, FrozenKeepsAreFinalAndAForkOwnsNothing) {
  test::TempDir root;
  const auto parents = make_tree(root / "parents");
  CleanupRegistration parent_registration(parents);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int failures = 0;
    if (detail::run_cleanups() != 0) failures |= 1;  // the parent's entry is not the child's
    const auto own = make_tree(root / "childs");
    CleanupRegistration registration(own);
    registration.keep({own / "a"});
    detail::freeze_cleanups();
    registration.keep({own / "b"});  // too late: a's tmpdir stays kept, b's goes
    if (detail::run_cleanups() != 1) failures |= 2;
    if (!fs::exists(own / "a" / "file") || fs::exists(own / "b")) failures |= 4;
    ::_exit(failures);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bit 1: the fork ran its parent's entry; bit 2: wrong "
                                       "count; bit 4: a keep() after freezing counted";
  EXPECT_TRUE(fs::exists(parents / "a" / "file"));
}

// One mk_termination_runner, started as a service (its guardian, a subreaper, inherits what it
// would leave), with TEST_TMPDIR inside a private directory so every scratch lands there.
class TerminationRunner : public faults::RunnerProcess {
 public:
  void start(std::vector<std::string> flags = {}, std::map<std::string, std::string> env = {}) {
    fs::create_directories(tmp_.path() / "files");
    std::vector<std::string> argv{MIRAKURU_TERMINATION_RUNNER, dir().string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    env["TEST_TMPDIR"] = tmp_.path().string();
    env["MIRAKURU_LOG"] = "info";
    launch(std::move(argv), std::move(env));
  }
  fs::path dir() const { return tmp_.path() / "files"; }
  void track_services(faults::Scenario& s) const { s.track_pid_files(dir()); }
  // After the runner's death: the guardians are its children, it may die before reaping them
  // (its supervisor then does).
  void track_the_rest(faults::Scenario& s) const {
    track_guardians(s);
    track_orphans(s);
  }

 private:
  test::TempDir tmp_;
};

class TerminationCleanup : public ::testing::TestWithParam<int> {};

TEST_P(TerminationCleanup, ScratchOfALiveSetIsRemovedBeforeTheRunnerDies) {
  const int sig = GetParam();
  faults::Scenario s(std::string("set scratch after ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  TerminationRunner runner;
  runner.start();
  const fs::path scratch = first_line(runner.dir() / "scratch");
  ASSERT_TRUE(fs::exists(scratch / "db" / "pid")) << scratch;
  ASSERT_TRUE(fs::exists(scratch / "api" / "pid")) << scratch;
  runner.track_services(s);

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(runner.pid(), sig), 0);
  EXPECT_EQ(runner.exec().wait(20s), std::optional<int>(-sig)) << runner.exec().err_output();
  const std::chrono::duration<double, std::milli> died = std::chrono::steady_clock::now() - t0;
  // Limit 0: everything was done before the runner died, not by the guardians afterwards.
  s.expect_gone(0ms);
  EXPECT_FALSE(fs::exists(scratch)) << runner.exec().err_output();
  EXPECT_EQ(read_text(runner.dir() / "db.marker"), "SIGTERM\n");  // stopped, not killed
  EXPECT_EQ(read_text(runner.dir() / "api.marker"), "SIGTERM\n");
  const std::string log = runner.exec().err_output();
  const std::string name = sig == SIGINT ? "signal 2 (SIGINT)" : "signal 15 (SIGTERM)";
  EXPECT_NE(log.find(name + ": stopping 2 service(s) gracefully"), std::string::npos) << log;
  EXPECT_NE(log.find("cleaned up 1 temporary directory tree(s)"), std::string::npos) << log;
  runner.track_the_rest(s);
  s.expect_gone(1000ms);
  s.note("scratch removed, runner died of " + name + " " + ms(died) + " after it");
  runner.exec().kill();  // reaps the runner
}

INSTANTIATE_TEST_SUITE_P(Signals, TerminationCleanup, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return info.param == SIGINT ? "Sigint" : "Sigterm";
                         });

// Like the normal path (~ServiceSet) with MIRAKURU_KEEP_TMPDIRS=failed: a service that had
// failed keeps its tmpdir for inspection, and the handler says where it is.
TEST(TerminationCleanup, AFailedServicesTmpdirIsKeptAndNamed) {
  faults::Scenario s("failed service's tmpdir after SIGTERM");
  TerminationRunner runner;
  runner.start({"--failed-set"}, {{"MIRAKURU_KEEP_TMPDIRS", "failed"}});
  const fs::path live = first_line(runner.dir() / "scratch");
  const fs::path failed = first_line(runner.dir() / "failed.tmpdir");
  ASSERT_EQ(read_text(failed / "evidence"), "evidence\n");
  runner.track_services(s);

  ASSERT_EQ(::kill(runner.pid(), SIGTERM), 0);
  EXPECT_EQ(runner.exec().wait(20s), std::optional<int>(-SIGTERM)) << runner.exec().err_output();
  s.expect_gone(0ms);
  EXPECT_FALSE(fs::exists(live));
  EXPECT_EQ(read_text(failed / "evidence"), "evidence\n");
  // The failed set's other service was stopped by start() itself; nothing else is left.
  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(failed.parent_path())) {
    left.push_back(entry.path());
  }
  EXPECT_EQ(left, std::vector<fs::path>{failed});
  const std::string log = runner.exec().err_output();
  EXPECT_NE(log.find("keeping " + failed.string() + " for inspection"), std::string::npos) << log;
  EXPECT_NE(log.find("cleaned up 2 temporary directory tree(s)"), std::string::npos) << log;
  runner.track_the_rest(s);
  s.expect_gone(1000ms);
  s.note("live scratch removed, failed tmpdir kept");
  runner.exec().kill();
  fs::remove_all(failed.parent_path());  // outside our TempDir when $TEST_TMPDIR is too long
}

// Issue 16, item 4: the signal arrives while a set starts; its failure reaches the runner's
// code, which destroys the set while the handler still waits for a slow executor. That
// destructor once kept the "failed" tmpdir and unregistered it from the handler: left behind.
class InterruptedStart : public ::testing::TestWithParam<std::string> {};

TEST_P(InterruptedStart, LeavesNoTmpdir) {
  faults::Scenario s("set interrupted during start(), MIRAKURU_KEEP_TMPDIRS=" + GetParam());
  TerminationRunner runner;
  runner.start({"--interrupted-start"}, {{"MIRAKURU_KEEP_TMPDIRS", GetParam()}});
  const fs::path scratch = first_line(runner.dir() / "scratch");
  ASSERT_GT(test::read_pid_file(runner.dir() / "db.leader.pid", 20s), 0);
  runner.track_services(s);
  ASSERT_EQ(::kill(runner.pid(), SIGTERM), 0);
  EXPECT_EQ(runner.exec().wait(20s), std::optional<int>(-SIGTERM)) << runner.exec().err_output();
  s.expect_gone(0ms);
  EXPECT_TRUE(fs::exists(runner.dir() / "set.destroyed"))  // the window was open
      << runner.exec().err_output();
  EXPECT_FALSE(fs::exists(scratch)) << runner.exec().err_output();
  runner.track_the_rest(s);
  s.expect_gone(1000ms);
  s.note("scratch removed although the set's destructor ran first");
  runner.exec().kill();
  fs::remove_all(scratch);
}

INSTANTIATE_TEST_SUITE_P(Keep, InterruptedStart, ::testing::Values("never", "failed"));

}  // namespace
}  // namespace mirakuru
