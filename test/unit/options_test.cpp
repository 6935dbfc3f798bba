// Options that cannot work are refused when the executor is built, naming the field (issue 16,
// "Low"); the log file is private and never followed through a link (issue 16 item 8).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;

// Building an executor with `options` throws std::invalid_argument naming `field`.
void expect_refused(const Options& options, const std::string& field, const std::string& part) {
  try {
    SimpleExecutor ex("sleep 1", options);
    ADD_FAILURE() << field << ": accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Options, EnvironmentNamesMustBeNonEmptyWithoutEquals) {
  expect_refused({.env = {{"A=B", "x"}}}, "Options::env", "A=B");
  expect_refused({.env = {{"", "x"}}}, "Options::env", "empty");
  expect_refused({.env_remove = {"X=1"}}, "Options::env_remove", "X=1");
  expect_refused({.env = {{"NUL", std::string("a\0b", 3)}}}, "Options::env", "NUL");
}

TEST(Options, SignalsMustBeRealSignals) {
  expect_refused({.stop_signal = 0}, "Options::stop_signal", "0");
  expect_refused({.stop_signal = 999}, "Options::stop_signal", "999");
  expect_refused({.kill_signal = 0}, "Options::kill_signal", "0");
  expect_refused({.kill_signal = -9}, "Options::kill_signal", "-9");
  EXPECT_NO_THROW(SimpleExecutor("sleep 1", {.stop_signal = SIGRTMAX}));
}

TEST(Options, PathsMustNotHideANulByte) {
  expect_refused({.cwd = std::string("/tmp\0/nope", 10)}, "Options::cwd", "NUL");
  expect_refused({.log_file = std::string("/tmp/a\0b", 9)}, "Options::log_file", "NUL");
}

TEST(Options, LogFileIsCreatedPrivate) {
  test::TempDir dir;
  const auto log = dir / "service.log";
  SimpleExecutor ex("echo hi", {.log_file = log});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0);
  ex.stop();
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "readable by others: " << std::oct << st.st_mode;
}

TEST(Options, LogFileIsNeverFollowedThroughASymlink) {
  test::TempDir dir;
  const auto target = dir / "elsewhere";
  std::ofstream(target) << "precious\n";
  std::filesystem::create_symlink(target, dir / "service.log");
  SimpleExecutor ex("echo hi", {.log_file = dir / "service.log"});
  try {
    ex.start();
    ADD_FAILURE() << "start() wrote through the link";
  } catch (const SpawnError& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "precious\n") << "the link target was not touched";
}

}  // namespace
}  // namespace mirakuru
