// Where a set puts its files: short tmpdirs (unix sockets fit), unique log names.
#include "services/scratch.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "svc_test_support.hpp"

namespace mirakuru::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using test::ScopedEnv;

TEST(Scratch, UsesTestTmpdirWhenShort) {
  test::TempDir base;
  if (base.path().string().size() > 50) GTEST_SKIP() << "TempDir itself is too long here";
  ScopedEnv env("TEST_TMPDIR", base.path().string());
  const auto dir = make_set_tmpdir();
  EXPECT_EQ(dir.parent_path(), base.path());
  EXPECT_THAT(dir.filename().string(), StartsWith("mk-"));
  remove_tree(dir);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(Scratch, FallsBackToTmpWhenTestTmpdirIsTooLongForSockets) {
  ScopedEnv env("TEST_TMPDIR", "/nonexistent/" + std::string(90, 'x'));
  const auto dir = make_set_tmpdir();
  EXPECT_EQ(dir.parent_path(), "/tmp");
  EXPECT_LE(dir.string().size(), 15u);  // "/tmp/mk-XXXXXX"
  remove_tree(dir);
}

TEST(Scratch, LogNamesAreUniquePerProcessShardAndSet) {
  EXPECT_EQ(log_file_name("db", 3), "mk-db-p" + std::to_string(::getpid()) + "-3.log");
  ScopedEnv shard("GTEST_SHARD_INDEX", "2");
  EXPECT_THAT(log_file_name("db", 4), HasSubstr("-s2-4.log"));
}

TEST(Scratch, LogDirectoryOrder) {
  {
    ScopedEnv a("MIRAKURU_LOG_DIR", "/logs/a");
    ScopedEnv b("TEST_UNDECLARED_OUTPUTS_DIR", "/logs/b");
    EXPECT_EQ(log_dir(), "/logs/a");
  }
  {
    ScopedEnv b("TEST_UNDECLARED_OUTPUTS_DIR", "/logs/b");
    if (!std::getenv("MIRAKURU_LOG_DIR")) {
      EXPECT_EQ(log_dir(), "/logs/b");
    }
  }
}

}  // namespace
}  // namespace mirakuru::detail
