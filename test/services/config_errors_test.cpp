// Validation: every mistake is a ConfigError naming its JSON path, and nothing is left behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using ::testing::HasSubstr;

using test::error_of;
using test::expect_error;

TEST(ConfigErrors, MalformedJsonHasLineAndColumn) {
  const ConfigError e = error_of("{\n  \"services\": {\n    \"a\": {\"command\": \"x\",}\n  }\n}");
  EXPECT_THAT(e.what(), HasSubstr("<string>:3:"));
  EXPECT_THAT(e.what(), HasSubstr("malformed JSON (line 3, column"));
}

TEST(ConfigErrors, UnknownKeysSuggestTheNearestName) {
  expect_error(R"({"services": {"a": {"comand": "x"}}})", "/services/a/comand",
               "unknown key \"comand\" (did you mean \"command\"?)");
  expect_error(R"({"services": {"a": {"command": "x", "timout": "1s"}}})", "/services/a/timout",
               "(did you mean \"timeout\"?)");
  expect_error(R"({"services": {"a": {"command": "x", "port": 1,
                   "ready": {"http": {"stauts": "^200$"}}}}})",
               "/services/a/ready/http/stauts", "(did you mean \"status\"?)");
  expect_error(R"({"service": {}})", "/service", "(did you mean \"services\"?)");
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"tpc": {}}}}})",
               "/services/a/ready/tpc", "(did you mean \"tcp\"?)");
  expect_error(R"({"services": {"a": {"command": "x", "zzz": 1}}})", "/services/a/zzz",
               "allowed here: command, shell");
}

TEST(ConfigErrors, WrongTypes) {
  expect_error(R"({"services": {"a": {"command": "x", "timeout": true}}})", "/services/a/timeout",
               "expected a duration (\"250ms\", \"10s\", \"2m\" or a number of milliseconds), "
               "got true");
  expect_error(
      R"({"services": {"a": {"command": "x", "port": "aut"}}})", "/services/a/port",
      "expected a port number (1-65535) or \"auto\", got \"aut\" (did you mean \"auto\"?)");
  expect_error(R"({"services": {"a": {"command": "x", "port": 70000}}})", "/services/a/port",
               "got 70000");
  expect_error(R"({"services": {"a": {"command": "x", "depends_on": "b"}}})",
               "/services/a/depends_on", "expected an array of service names");
  expect_error(R"({"services": {"a": {"command": ["x", {}]}}})", "/services/a/command/1",
               "expected a string, got an object");
  expect_error(R"({"services": {"a": {"command": 5}}})", "/services/a/command",
               "expected a command");
  expect_error(R"({"services": {"a": {"command": "x", "env": {"A": []}}}})", "/services/a/env/A",
               "expected a string or null");
  expect_error(R"({"services": {"a": {"command": "x", "stop_signal": "SIGFOO"}}})",
               "/services/a/stop_signal", "expected a signal name");
  expect_error(R"({"services": {"a": {"command": "x", "stdout": "pipe"}}})", "/services/a/stdout",
               "expected \"capture\", \"inherit\" or \"null\"");
  expect_error(R"({"services": []})", "/services", "expected an object of NAME: service");
  expect_error(R"({"vars": {"x": {}}, "services": {}})", "/vars/x", "expected a string");
}

TEST(ConfigErrors, StructuralMistakes) {
  expect_error(R"({})", "", "missing \"services\"");
  expect_error(R"({"services": {"a": {}}})", "/services/a", "missing \"command\"");
  expect_error(R"({"services": {"a": {"command": "  "}}})", "/services/a/command",
               "the command is empty");
  expect_error(R"({"services": {"a.b": {"command": "x"}}})", "/services/a.b",
               "invalid service name \"a.b\"");
  expect_error(
      R"({"services": {"a": {"command": "x", "ready": {"tcp": {}, "file": {"path": "f"}}}}})",
      "/services/a/ready", "expected exactly one of output, tcp, http");
  expect_error(R"({"services": {"a": {"command": ["x"], "shell": true}}})", "/services/a/shell",
               "needs \"command\" to be one string");
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"output": {}}}}})",
               "/services/a/ready/output", "missing \"banner\"");
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"tcp": {}}}}})",
               "/services/a/ready/tcp", "needs a port");
}

TEST(ConfigErrors, UnknownVariables) {
  expect_error(R"({"services": {
      "db": {"command": "x", "port": "auto"},
      "api": {"command": ["srv", "--db", "${services.dbb.port}"], "depends_on": ["db"]}}})",
               "/services/api/command/2",
               "unknown variable ${services.dbb.port} (did you mean \"services.db.port\"?)");
  expect_error(R"({"services": {"a": {"command": "srv --port ${prot}", "port": "auto"}}})",
               "/services/a/command", "unknown variable ${prot} (did you mean \"port\"?)");
  expect_error(R"({"services": {"a": {"command": "srv ${port}"}}})", "/services/a/command",
               "service \"a\" has no \"port\" (add \"port\": \"auto\" to it)");
  expect_error(R"({"services": {"a": {"command": "srv", "env": {"X": "${vars.nope}"}}}})",
               "/services/a/env/X", "unknown variable ${vars.nope}");
  expect_error(R"({"services": {"a": {"command": "srv ${env.MK_SURELY_UNSET_VARIABLE}"}}})",
               "/services/a/command",
               "environment variable MK_SURELY_UNSET_VARIABLE is not set (write "
               "${env.MK_SURELY_UNSET_VARIABLE:-default}");
  expect_error(R"({"services": {"a": {"command": "srv --x ${port"}}})", "/services/a/command",
               "unterminated \"${\"");
  expect_error(R"({"vars": {"a": "${vars.b}", "b": "<${vars.a}>"},
                   "services": {"s": {"command": "srv ${vars.a}"}}})",
               "/vars/a", "variables refer to each other in a loop: a -> b -> a");
}

TEST(ConfigErrors, Dependencies) {
  expect_error(
      R"({"services": {"a": {"command": "x", "depends_on": ["bb"]}, "b": {"command": "x"}}})",
      "/services/a/depends_on/0", "unknown service \"bb\" (did you mean \"b\"?)");
  expect_error(R"({"services": {
      "a": {"command": "x", "depends_on": ["b"]},
      "b": {"command": "x", "depends_on": ["c"]},
      "c": {"command": "x", "depends_on": ["a"]}}})",
               "/services/c/depends_on/0", "dependency cycle: a -> b -> c -> a");
}

TEST(ConfigErrors, DuplicateFixedPorts) {
  expect_error(R"({"services": {"a": {"command": "x", "port": 18080},
                                "b": {"command": "x", "ports": {"http": 18080}}}})",
               "/services/b/ports/http", "port 18080 is already used by /services/a/port");
}

TEST(ConfigErrors, InvalidRegexes) {
  expect_error(
      R"({"services": {"a": {"command": "x", "ready": {"output": {"banner": "ready (["}}}}})",
      "/services/a/ready/output/banner", "invalid regex \"ready ([\"");
  expect_error(R"({"services": {"a": {"command": "x", "port": "auto",
                   "ready": {"http": {"status": "^2(\\d$"}}}}})",
               "/services/a/ready/http/status", "invalid regex");
}

TEST(ConfigErrors, BannerOnAStreamThatIsNotCaptured) {
  expect_error(R"({"services": {"a": {"command": "x", "stdout": "null",
                   "ready": {"output": {"banner": "up", "stream": "stdout"}}}}})",
               "/services/a/ready/output", "not captured");
}

TEST(ConfigErrors, SocketPathTooLong) {
  const std::string long_path = "/tmp/" + std::string(120, 's') + ".sock";
  expect_error(R"({"services": {"a": {"command": "x", "ready": {"unix_socket": {"path": ")" +
                   long_path + R"("}}}}})",
               "/services/a/ready/unix_socket/path", "");
}

TEST(ConfigErrors, FromFileNamesTheFile) {
  test::TempDir dir;
  const auto file = dir / "bad.json";
  std::ofstream(file) << "{\"services\": {\"a\": {\"command\": \"x\", \"prot\": 1}}}";
  try {
    ServiceSet::from_file(file);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/a/prot");
    EXPECT_THAT(e.what(), HasSubstr(file.string() + ": /services/a/prot: unknown key"));
  }
  EXPECT_THROW(ServiceSet::from_file(dir / "missing.json"), ConfigError);
}

TEST(ConfigErrors, NothingIsLeftBehind) {
  test::TempDir dir;
  const char* old = std::getenv("TEST_TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TEST_TMPDIR", dir.path().c_str(), 1);
  EXPECT_THROW(ServiceSet::from_string(R"({"services": {
      "a": {"command": "x", "port": "auto"},
      "b": {"command": "srv ${services.c.port}", "port": "auto"}}})"),
               ConfigError);
  if (old) {
    ::setenv("TEST_TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TEST_TMPDIR");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace mirakuru
