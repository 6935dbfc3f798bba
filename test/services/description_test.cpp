// Service sets described in C++ (mirakuru/service_description.hpp): the same validation and the
// same messages as the equivalent JSON, and the same set. Nothing is started here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mirakuru/errors.hpp"
#include "mirakuru/executor.hpp"
#include "mirakuru/service_set.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// The ConfigError of a set built by `build` (fails the test when there is none).
template <typename Build>
ConfigError error_from(Build build) {
  try {
    build();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError";
  return ConfigError("", "");
}

// `json` and `description` are the same mistake: the same path and the same message.
void expect_same_error(const std::string& json, const SetDescription& description,
                       const std::string& path, const std::string& message) {
  SCOPED_TRACE(json);
  const ConfigError from_json = error_from([&] { ServiceSet::from_string(json); });
  const ConfigError from_cpp = error_from([&] { ServiceSet::from_description(description); });
  EXPECT_EQ(from_json.json_path(), path) << from_json.what();
  EXPECT_EQ(from_cpp.json_path(), path) << from_cpp.what();
  EXPECT_THAT(from_cpp.what(), HasSubstr(message));
  EXPECT_STREQ(from_cpp.what(), from_json.what());
}

SetDescription one(ServiceDescription service) { return {.services = {{"a", service}}}; }

TEST(Description, SemanticMistakesSayWhatTheEquivalentJsonSays) {
  expect_same_error(R"({"services": {"a": {"command": "server ${prot}", "port": "auto"}}})",
                    one({.command = "server ${prot}", .port = auto_port}), "/services/a/command",
                    "unknown variable ${prot} (did you mean \"port\"?)");
  expect_same_error(R"({"services": {"a": {"command": ["server", "${vars.nope}"]}}})",
                    one({.command = {"server", "${vars.nope}"}}), "/services/a/command/1",
                    "unknown variable ${vars.nope}");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "depends_on": ["bd"]},
                                      "db": {"command": "y"}}})",
      {.services = {{"a", {.command = "x", .depends_on = {"bd"}}}, {"db", {.command = "y"}}}},
      "/services/a/depends_on/0", "(did you mean \"db\"?)");
  expect_same_error(R"({"services": {"a": {"command": "x", "depends_on": ["b"]},
                                      "b": {"command": "y", "depends_on": ["a"]}}})",
                    {.services = {{"a", {.command = "x", .depends_on = {"b"}}},
                                  {"b", {.command = "y", .depends_on = {"a"}}}}},
                    "/services/b/depends_on/0", "dependency cycle: a -> b -> a");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "ready": {"output": {"banner": "(unclosed"}}}}})",
      one({.command = "x", .ready = ready::output("(unclosed")}), "/services/a/ready/output/banner",
      "invalid regex \"(unclosed\"");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "port": 4000},
                                      "b": {"command": "y", "port": 4000}}})",
      {.services = {{"a", {.command = "x", .port = 4000}}, {"b", {.command = "y", .port = 4000}}}},
      "/services/b/port", "port 4000 is already used by /services/a/port");
  expect_same_error(R"({"services": {"a": {"command": "x",
                        "ready": {"http": {"url": "${url}/health"}}}}})",
                    one({.command = "x", .ready = ready::http("${url}/health")}),
                    "/services/a/ready/http/url", "has no \"port\"");
  expect_same_error(R"({"vars": {"x": "${vars.y}", "y": "${vars.x}"},
                        "services": {"a": {"command": "run ${vars.x}"}}})",
                    {.vars = {{"x", "${vars.y}"}, {"y", "${vars.x}"}},
                     .services = {{"a", {.command = "run ${vars.x}"}}}},
                    "/vars/x", "variables refer to each other in a loop");
}

TEST(Description, ValuesJsonChecksByTypeAreCheckedInCppToo) {
  expect_same_error(R"({"services": {"a b": {"command": "x"}}})",
                    {.services = {{"a b", {.command = "x"}}}}, "/services/a b",
                    "invalid service name \"a b\"");
  expect_same_error(R"({"services": {"a": {"command": "  "}}})", one({.command = "  "}),
                    "/services/a/command", "the command is empty");
  expect_same_error(R"({"services": {"a": {"command": []}}})",
                    one({.command = std::vector<std::string>{}}), "/services/a/command",
                    "the command is empty");
  expect_same_error(R"({"services": {"a": {"command": ["x"], "shell": true}}})",
                    one({.command = {"x"}, .options = {.shell = true}}), "/services/a/shell",
                    "needs \"command\" to be one string");
  expect_same_error(R"({"services": {"a": {"command": "x", "port": 70000}}})",
                    one({.command = "x", .port = 70000}), "/services/a/port",
                    "expected a port number (1-65535) or \"auto\", got 70000");
  expect_same_error(R"({"services": {"a": {"command": "x", "ports": {"a b": "auto"}}}})",
                    one({.command = "x", .ports = {{"a b", auto_port}}}), "/services/a/ports/a b",
                    "invalid port name");
  expect_same_error(R"({"services": {"a": {"command": "x", "env": {"A=B": "1"}}}})",
                    one({.command = "x", .options = {.env = {{"A=B", "1"}}}}),
                    "/services/a/env/A=B", "invalid environment variable name");
  expect_same_error(R"({"services": {"a": {"command": "x", "env": {"": null}}}})",
                    one({.command = "x", .options = {.env_remove = {""}}}), "/services/a/env/",
                    "invalid environment variable name");
  expect_same_error(R"({"vars": {"a.b": "1"}, "services": {"a": {"command": "x"}}})",
                    {.vars = {{"a.b", "1"}}, .services = {{"a", {.command = "x"}}}}, "/vars/a.b",
                    "invalid variable name");
  expect_same_error(R"({"services": {"a": {"command": "x", "timeout": -5}}})",
                    one({.command = "x", .options = {.timeout = -5ms}}), "/services/a/timeout",
                    "expected a duration");
  expect_same_error(R"({"services": {"a": {"command": "x", "stop_signal": 99}}})",
                    one({.command = "x", .options = {.stop_signal = 99}}),
                    "/services/a/stop_signal", "a signal number (1-64)");
  expect_same_error(R"({"services": {"a": {"command": "x", "retries": 101}}})",
                    one({.command = "x", .options = {.retries = 101}}), "/services/a/retries",
                    "a number of retries (0 to 100)");
  expect_same_error(R"({"services": {"a": {"command": "x", "tmpdir_mode": "0600"}}})",
                    one({.command = "x", .tmpdir_mode = std::filesystem::perms(0600)}),
                    "/services/a/tmpdir_mode", "got \"0600\"");
}

TEST(Description, NulBytesAreRefusedAsInJson) {
  expect_same_error(R"({"services": {"a": {"command": ["x", "a\u0000b"]}}})",
                    one({.command = {"x", std::string("a\0b", 3)}}), "/services/a/command/1",
                    "the string holds a NUL byte");
  expect_same_error(R"({"services": {"a": {"command": "x", "cwd": "/tmp\u0000/nope"}}})",
                    one({.command = "x", .options = {.cwd = std::string("/tmp\0/nope", 10)}}),
                    "/services/a/cwd", "holds a NUL byte");
  expect_same_error(R"({"services": {"a": {"command": "x", "env": {"A\u0000B": "1"}}}})",
                    one({.command = "x", .options = {.env = {{std::string("A\0B", 3), "1"}}}}),
                    std::string("/services/a/env/A\0B", 19),
                    "/services/a/env/A\\u0000B: the key holds a NUL byte");
}

TEST(Description, ReadyAndHealthMistakesNameTheirPath) {
  expect_same_error(
      R"({"services": {"a": {"command": "x", "ready": {"output": {"banner": "b", "times": 0}}}}})",
      one({.command = "x", .ready = ready::output("b", 0)}), "/services/a/ready/output/times",
      "how many times the banner must be seen");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "port": 1,
                             "ready": {"http": {"method": "get"}}}}})",
      one({.command = "x", .port = 1, .ready = ready::http({}, {.method = "get"})}),
      "/services/a/ready/http/method", "an HTTP method in capitals");
  expect_same_error(R"({"services": {"a": {"command": "x", "ready": {"file": {"path": ""}}}}})",
                    one({.command = "x", .ready = ready::file("")}), "/services/a/ready/file/path",
                    "the path is empty");
  expect_same_error(R"({"services": {"a": {"command": "x", "ready": {"exec": {"command": []}}}}})",
                    one({.command = "x", .ready = ready::exec(std::vector<std::string>{})}),
                    "/services/a/ready/exec/command", "the command is empty");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "ready": {"any": [{"exec": {"command": "t"}},
                                                              {"tcp": {"host": "h", "port": "${nope}"}}]}}}})",
      one({.command = "x", .ready = ready::any_of({ready::exec("t"), ready::tcp("h", "${nope}")})}),
      "/services/a/ready/any/1/tcp/port", "unknown variable ${nope}");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "port": 1,
                             "health": {"all": [{"tcp": {}}, {"output": {"banner": "b"}}]}}}})",
      one({.command = "x",
           .port = 1,
           .health = {.check = ready::all_of({ready::tcp(), ready::output("b")})}}),
      "/services/a/health/all/1/output", "\"output\" cannot be a health check");
  expect_same_error(
      R"({"services": {"a": {"command": "x", "port": 1,
                                          "health": {"tcp": {}, "interval": 5}}}})",
      one({.command = "x", .port = 1, .health = {.check = ready::tcp(), .interval = 5ms}}),
      "/services/a/health/interval", "the interval must be within 10ms and 1h");
  // Only C++ can nest all/any or leave a part empty: still named by their path.
  const ConfigError nested = error_from([] {
    ServiceSet::from_description(
        one({.command = "x", .ready = ready::all_of({ready::any_of({ready::file("f")})})}));
  });
  EXPECT_EQ(nested.json_path(), "/services/a/ready/all/0");
  EXPECT_THAT(nested.what(), HasSubstr("cannot be nested"));
  const ConfigError empty_part = error_from([] {
    ServiceSet::from_description(one({.command = "x", .ready = ready::all_of({ReadyCheck{}})}));
  });
  EXPECT_EQ(empty_part.json_path(), "/services/a/ready/all/0");
  const ConfigError no_parts = error_from(
      [] { ServiceSet::from_description(one({.command = "x", .ready = ready::any_of({})})); });
  EXPECT_EQ(no_parts.json_path(), "/services/a/ready/any");
  EXPECT_THAT(no_parts.what(), HasSubstr("expected a non-empty array of readiness checks"));
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Ports and tmpdirs of `set` replaced by names, so that two sets compare equal.
std::string portless(std::string text, const ServiceSet& set) {
  const nlohmann::json endpoints = set.endpoints();
  for (const auto& name : set.names()) {
    replace_all(text, set.tmpdir(name).string(), "<tmpdir." + name + ">");
    for (const auto& [port_name, port] : endpoints[name]["ports"].items()) {
      replace_all(text, std::to_string(port.get<int>()), "<" + name + "." + port_name + ">");
    }
    if (!endpoints[name]["port"].is_null()) {
      replace_all(text, std::to_string(set.port(name)), "<" + name + ">");
    }
  }
  return text;
}

// What a set is made of, ports and tmpdirs aside: names, commands, options, probes, setup.
std::vector<std::string> anatomy(const ServiceSet& set) {
  std::vector<std::string> out;
  for (const auto& name : set.names()) {
    const SimpleExecutor& ex = set.executor(name);
    const Options& o = ex.options();
    std::string line = name + " @" + set.host(name) + " " + ex.command().str() +
                       " timeout=" + std::to_string(o.timeout.count()) +
                       " stop_signal=" + std::to_string(o.stop_signal) +
                       " shell=" + std::to_string(o.shell) + " cwd=" + o.cwd.string() + " env:";
    for (const auto& [k, v] : o.env) line += " " + k + "=" + v;
    line += " remove:";
    for (const auto& k : o.env_remove) line += " " + k;
    if (const auto* readiness = dynamic_cast<const Executor*>(&ex)) {
      line += " ready: " + readiness->probe()->describe();
    }
    out.push_back(portless(line, set));
  }
  return out;
}

TEST(Description, JsonAndTheEquivalentDescriptionBuildTheSameSet) {
  const std::string svc = test::fixture("svc_service");
  auto from_json = ServiceSet::from_string(R"({
    "vars": {"svc": ")" + svc + R"(", "dsn": "db://${services.db.host}:${services.db.port}"},
    "services": {
      "db": {"command": "${vars.svc} --port ${port} --banner 'db up'", "port": "auto",
             "ready": [{"tcp": {}}, {"output": {"banner": "^db up$", "times": 1}}],
             "env": {"PGDATA": "${tmpdir}", "PGPORT": null}, "timeout": "10s"},
      "api": {"command": ["${vars.svc}", "--port", "${ports.http}", "--http"],
              "ports": {"http": "auto", "admin": "auto"}, "host": "127.0.0.1",
              "ready": {"http": {"url": "http://${host}:${ports.http}/health", "status": 200,
                                 "method": "GET", "headers": {"X-Probe": "1"}}},
              "health": {"tcp": {"port": "${ports.admin}"}, "interval": "500ms", "failures": 2},
              "depends_on": ["db"], "env": {"DSN": "${vars.dsn}"}, "stop_signal": "SIGINT",
              "retries": 2, "retry_delay": "50ms", "cwd": "${tmpdir}",
              "setup": ["true", ["echo", "${name}"]]},
      "sh": {"command": "echo ${services.api.ports.admin} | cat", "shell": true,
             "ready": {"any": [{"file": {"path": "${tmpdir}/f", "require_content": true}},
                               {"unix_socket": {"path": "s.sock"}},
                               {"exec": {"command": "test -e ${tmpdir}/f"}}]}}
    }})");
  auto from_cpp = ServiceSet::from_description(
      {.vars = {{"svc", svc}, {"dsn", "db://${services.db.host}:${services.db.port}"}},
       .services = {
           {"db",
            {.command = "${vars.svc} --port ${port} --banner 'db up'",
             .port = auto_port,
             .ready = ready::all_of({ready::tcp(), ready::output("^db up$", 1)}),
             .options =
                 {.env = {{"PGDATA", "${tmpdir}"}}, .timeout = 10s, .env_remove = {"PGPORT"}}}},
           {"api",
            {.command = {"${vars.svc}", "--port", "${ports.http}", "--http"},
             .ports = {{"http", auto_port}, {"admin", auto_port}},
             .host = "127.0.0.1",
             .ready =
                 ready::http("http://${host}:${ports.http}/health",
                             {.status = "^200$", .method = "GET", .headers = {{"X-Probe", "1"}}}),
             .health = {.check = ready::tcp("${host}", "${ports.admin}"),
                        .interval = 500ms,
                        .failures = 2},
             .depends_on = {"db"},
             .setup = {"true", {"echo", "${name}"}},
             .options = {.cwd = "${tmpdir}",
                         .env = {{"DSN", "${vars.dsn}"}},
                         .stop_signal = SIGINT,
                         .retries = 2,
                         .retry_delay = 50ms}}},
           {"sh",
            {.command = "echo ${services.api.ports.admin} | cat",
             .ready = ready::any_of({ready::file("${tmpdir}/f", true), ready::unix_socket("s.sock"),
                                     ready::exec("test -e ${tmpdir}/f")}),
             .options = {.shell = true}}},
       }});
  EXPECT_EQ(from_json.names(), from_cpp.names());
  const auto cpp = anatomy(from_cpp);
  EXPECT_EQ(anatomy(from_json), cpp);
  ASSERT_EQ(cpp.size(), 3u);
  EXPECT_THAT(cpp[0], HasSubstr("ready: all of (TCP 127.0.0.1:<db>"));
  EXPECT_THAT(cpp[0], HasSubstr("PGDATA=<tmpdir.db>"));
  EXPECT_THAT(cpp[0], HasSubstr("remove: PGPORT"));
  EXPECT_THAT(cpp[1], HasSubstr("DSN=db://127.0.0.1:<db>"));
  EXPECT_THAT(cpp[1], HasSubstr("HTTP GET http://127.0.0.1:<api.http>/health"));
  EXPECT_THAT(cpp[2], HasSubstr("mirakuru_1=<api.admin>; echo"));
  EXPECT_EQ(from_json.port("api", "admin") == from_cpp.port("api", "admin"), false);
}

TEST(Description, ACommandIsOneLineOrAnArgvAndPortsAutoOrFixed) {
  const CommandTemplate line = "server --name '${vars.v}'";
  EXPECT_TRUE(line.is_line());
  EXPECT_EQ(line.words(), std::vector<std::string>{"server --name '${vars.v}'"});
  const CommandTemplate argv = {"server", "--name", "${vars.v}"};
  EXPECT_FALSE(argv.is_line());
  EXPECT_EQ(argv.words().size(), 3u);
  auto set = ServiceSet::from_description(
      {.vars = {{"v", "two words"}},
       .services = {{"a", {.command = line, .port = 7}}, {"b", {.command = argv}}}});
  EXPECT_EQ(set.executor("a").command().argv,
            (std::vector<std::string>{"server", "--name", "two words"}));
  EXPECT_EQ(set.executor("b").command().argv, set.executor("a").command().argv);
  EXPECT_EQ(set.port("a"), 7);
  EXPECT_FALSE(Port(7).automatic());
  EXPECT_TRUE(Port(auto_port).automatic());
}

}  // namespace
}  // namespace mirakuru
