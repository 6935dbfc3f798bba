// Exec failures come back from start() itself, at once, with errno and the failing step.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;

SpawnError expect_spawn_error(SimpleExecutor& ex) {
  const auto before = std::chrono::steady_clock::now();
  try {
    ex.start();
  } catch (const SpawnError& e) {
    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s) << "reported at once";
    EXPECT_FALSE(ex.running());
    EXPECT_EQ(ex.pid(), -1);
    return e;
  }
  ADD_FAILURE() << "start() did not throw SpawnError";
  return SpawnError("", 0, "", "");
}

TEST(SpawnErrors, MissingBinary) {
  SimpleExecutor ex("mk-no-such-program --flag");
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_EQ(e.stage(), "execve");
  EXPECT_NE(std::string(e.what()).find("mk-no-such-program"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("PATH"), std::string::npos) << e.what();
  EXPECT_EQ(e.command(), "mk-no-such-program --flag");
}

TEST(SpawnErrors, NonExecutableFile) {
  test::TempDir dir;
  const auto file = dir / "not-executable";
  std::ofstream(file) << "#!/bin/sh\necho hi\n";
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  SimpleExecutor ex(std::vector<std::string>{file.string()});
  if (::geteuid() == 0) {
    // root may read anything, but exec still needs an execute bit.
  }
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_NE(std::string(e.what()).find("chmod"), std::string::npos) << e.what();
}

TEST(SpawnErrors, DirectoryInPathIsNotExecutable) {
  test::TempDir dir;
  SimpleExecutor ex(std::vector<std::string>{dir.path().string()});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("chmod"), std::string::npos)
      << "chmod +x cannot help a directory: " << e.what();
}

TEST(SpawnErrors, DirectoryFoundThroughPath) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "mk-a-directory");
  SimpleExecutor ex("mk-a-directory", {.env = {{"PATH", dir.path().string()}}});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
}

TEST(SpawnErrors, ScriptWhoseInterpreterIsMissingSaysSo) {
  test::TempDir dir;
  const auto script = dir / "script";
  std::ofstream(script) << "#!/nonexistent/mk-interpreter -x\necho hi\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  SimpleExecutor ex(std::vector<std::string>{script.string()});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), ENOENT);
  const std::string what = e.what();
  EXPECT_NE(what.find("interpreter"), std::string::npos) << what;
  EXPECT_NE(what.find("/nonexistent/mk-interpreter"), std::string::npos) << what;
  EXPECT_EQ(what.find("was not found; check the path"), std::string::npos)
      << "the script itself exists: " << what;
}

TEST(SpawnErrors, VeryLongProgramNameSaysItIsTooLong) {
  const std::string name(300, 'm');
  for (const std::string& program : {name, "/tmp/" + name}) {
    SimpleExecutor ex(std::vector<std::string>{program});
    const SpawnError e = expect_spawn_error(ex);
    EXPECT_EQ(e.errno_value(), ENAMETOOLONG) << e.what();
    EXPECT_NE(std::string(e.what()).find("too long"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("255"), std::string::npos) << e.what();
  }
}

TEST(SpawnErrors, BadCwd) {
  SimpleExecutor ex("sleep 1", {.cwd = "/nonexistent/mk-dir"});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_EQ(e.stage(), "chdir");
  EXPECT_NE(std::string(e.what()).find("/nonexistent/mk-dir"), std::string::npos) << e.what();
}

TEST(SpawnErrors, CwdIsAFile) {
  test::TempDir dir;
  std::ofstream(dir / "file") << "x";
  SimpleExecutor ex("sleep 1", {.cwd = dir / "file"});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), ENOTDIR);
}

TEST(SpawnErrors, EmptyCommand) {
  SimpleExecutor ex(std::vector<std::string>{});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_EQ(e.errno_value(), EINVAL);
}

TEST(SpawnErrors, UnknownUser) {
  SimpleExecutor ex("sleep 1", {.user = "mk-no-such-user"});
  const SpawnError e = expect_spawn_error(ex);
  EXPECT_NE(std::string(e.what()).find("mk-no-such-user"), std::string::npos) << e.what();
}

TEST(SpawnErrors, RunsAsAnotherUserWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  SimpleExecutor ex("id -un", {.user = "nobody"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0) << ex.err_output();
  EXPECT_EQ(ex.output(), "nobody\n");
}

TEST(SpawnErrors, ExecutorIsUsableAfterAFailedStart) {
  SimpleExecutor ex("sleep 300", {.cwd = "/nonexistent"});
  EXPECT_THROW(ex.start(), SpawnError);
  SimpleExecutor fine("sleep 300");
  fine.start();
  EXPECT_TRUE(fine.running());
  fine.stop();
}

}  // namespace
}  // namespace mirakuru
