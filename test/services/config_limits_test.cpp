// Inputs at the edges (issue 16, "Low"; issue 11, item 9): each is a clear ConfigError with its
// JSON path — quickly — instead of odd behaviour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::expect_error;
using ::testing::HasSubstr;
using ::testing::Not;

// A ConfigError from from_file(path), with its message.
std::string file_error(const fs::path& path) {
  try {
    ServiceSet::from_file(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << path;
  return {};
}

TEST(ConfigLimits, HugeDurationsAreRejectedNotWrapped) {
  expect_error(R"({"services": {"a": {"command": "x", "timeout": 18446744073709551615}}})",
               "/services/a/timeout", "is too long (at most 1000000000000 ms");
  expect_error(R"({"services": {"a": {"command": "x", "stop_timeout": 9223372036854775807}}})",
               "/services/a/stop_timeout", "is too long");
}

TEST(ConfigLimits, NulBytesAreRejected) {
  expect_error(R"({"services": {"a": {"command": "x", "cwd": "/tmp\u0000/nope"}}})",
               "/services/a/cwd", "holds a NUL byte");
  expect_error(R"({"services": {"a": {"command": ["x", "a\u0000b"]}}})", "/services/a/command/1",
               "holds a NUL byte");
  const ConfigError e =
      error_of(R"({"services": {"a": {"command": "x", "env": {"A\u0000B": "1"}}}})");
  EXPECT_EQ(e.json_path(), std::string("/services/a/env/A") + '\0' + "B");
  EXPECT_THAT(e.what(), HasSubstr("/services/a/env/A\\u0000B: the key holds a NUL byte"));
}

TEST(ConfigLimits, RepeatedKeysAreRejected) {
  expect_error(R"({"services": {"a": {"command": "x"}, "a": {"command": "y"}}})", "/services/a",
               "the key \"a\" appears twice in this object");
  expect_error(R"({"services": {"a": {"command": "x", "setup": [{"k": 1, "k": 2}]}}})",
               "/services/a/setup/0/k", "appears twice");
  expect_error(R"({"services": {"a": {"command": ["x", "y"], "port": 1, "ready": {"tcp": {}},
                   "env": {"A": "1", "B": "2", "A": "3"}}}})",
               "/services/a/env/A", "appears twice");
}

TEST(ConfigLimits, VariableExpansionIsCappedAndFast) {
  nlohmann::json config;
  config["vars"]["v0"] = "xxxxxxxxxxxxxxxx";
  for (int i = 1; i <= 30; ++i) {
    config["vars"]["v" + std::to_string(i)] =
        "${vars.v" + std::to_string(i - 1) + "}${vars.v" + std::to_string(i - 1) + "}";
  }
  config["services"]["a"] = {{"command", "echo ${vars.v30}"}};
  const auto t0 = std::chrono::steady_clock::now();
  try {
    ServiceSet::from_json(config);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expands to more than 1 MiB"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2) * test::kTimeScale);
  // Empty values double nothing but the work: each var is expanded once per service.
  config["vars"]["v0"] = "";
  config["services"]["a"] = {{"command", "echo ${vars.v30}x"}};
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(ServiceSet::from_json(config).executor("a").command().argv.at(1), "x");
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(2) * test::kTimeScale);
}

TEST(ConfigLimits, AHugeUnknownKeyIsReportedQuickly) {
  const std::string key(2 << 20, 'k');
  const auto t0 = std::chrono::steady_clock::now();
  const ConfigError e = error_of(R"({"services": {"a": {"command": "x", ")" + key + R"(": 1}}})");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2) * test::kTimeScale);
  EXPECT_THAT(e.what(), HasSubstr("unknown key \"kkkkkkkkkk"));
  EXPECT_THAT(e.what(), HasSubstr("...\"; allowed here"));
}

TEST(ConfigLimits, EmptyPathsAndLongNames) {
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"file": {"path": ""}}}}})",
               "/services/a/ready/file/path", "the path is empty");
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"unix_socket": {"path": ""}}}}})",
               "/services/a/ready/unix_socket/path", "the path is empty");
  const std::string name(300, 'n');
  expect_error(R"({"services": {")" + name + R"(": {"command": "x"}}})", "/services/" + name,
               "the service name is 300 characters long: at most 100");
  expect_error(R"({"services": {"a": {"command": "x", "tmpdir_mode": 755}}})",
               "/services/a/tmpdir_mode", "octal digits from \"0700\" to \"0777\" as a string");
  expect_error(R"({"services": {"a": {"command": "x", "tmpdir_mode": "0644"}}})",
               "/services/a/tmpdir_mode", "the owner keeps rwx");
}

TEST(ConfigLimits, FromFileSaysWhatThePathIs) {
  test::TempDir dir;
  EXPECT_THAT(file_error(dir.path()), HasSubstr("it is a directory"));
  EXPECT_THAT(file_error(dir.path()), Not(HasSubstr("malformed JSON")));
  EXPECT_THAT(file_error("/dev/zero"), HasSubstr("it is not a regular file"));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THAT(file_error(dir / "fifo"), HasSubstr("it is not a regular file"));  // no hang
  const std::string missing = file_error("surely-missing-mk.json");
  EXPECT_THAT(missing, HasSubstr("no such file (looked for " +
                                 (fs::current_path() / "surely-missing-mk.json").string() +
                                 ", relative to the working directory " +
                                 fs::current_path().string() + ")"));
}

}  // namespace
}  // namespace mirakuru
