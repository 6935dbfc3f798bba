// Every key of the JSON format has its C++ field: for each key, a JSON service and the C++
// description that should mean the same give the same internal spec — values and JSON paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "mirakuru/service_description.hpp"
#include "services/config_parser.hpp"
#include "services/description.hpp"

namespace mirakuru::detail {
namespace {

using namespace std::chrono_literals;

std::string dump(const Text& t) { return t.empty() ? "-" : t.value + "@" + t.path; }

std::string dump(const CommandSpec& c) {
  std::string out = (c.is_line ? "line@" : "argv@") + c.path + "[";
  for (const auto& arg : c.args) out += dump(arg) + ",";
  return out + "]";
}

std::string dump(const ReadySpec& r) {
  std::string out = "kind=" + std::to_string(static_cast<int>(r.kind)) + "@" + r.path +
                    " banner=" + dump(r.banner) +
                    " streams=" + std::to_string(static_cast<int>(r.streams)) +
                    " times=" + std::to_string(r.times) + " host=" + dump(r.host) +
                    " port=" + dump(r.port) + " url=" + dump(r.url) + " status=" + dump(r.status) +
                    " method=" + r.method + " body=" + dump(r.body) + " file=" + dump(r.file) +
                    " content=" + std::to_string(r.require_content) + " check=" + dump(r.check);
  for (const auto& [name, value] : r.headers) out += " header " + name + "=" + dump(value);
  for (const auto& part : r.parts) out += " {" + dump(part) + "}";
  return out;
}

std::string dump(const PortSpec& p) {
  return (p.automatic ? "auto" : std::to_string(p.fixed)) + "@" + p.path;
}

std::string dump(const ServiceSpec& s) {
  const Options& o = s.options;
  std::string out = s.name + "@" + s.path + " command=" + dump(s.command) +
                    " port=" + (s.port ? dump(*s.port) : "-") + " host=" + s.host +
                    " ready=" + dump(s.ready) + " health=" + dump(s.health.check) + "@" +
                    s.health.path + "/" + std::to_string(s.health.interval.count()) + "/" +
                    std::to_string(s.health.failures);
  for (const auto& [name, port] : s.ports) out += " ports." + name + "=" + dump(port);
  out += " shell=" + std::to_string(o.shell) + " timeout=" + std::to_string(o.timeout.count()) +
         " stop_timeout=" + (o.stop_timeout ? std::to_string(o.stop_timeout->count()) : "-") +
         " signals=" + std::to_string(o.stop_signal) + "," + std::to_string(o.kill_signal) +
         " expected=" + (o.expected_returncode ? std::to_string(*o.expected_returncode) : "-") +
         " stdio=" + std::to_string(static_cast<int>(o.stdout_mode)) +
         std::to_string(static_cast<int>(o.stderr_mode)) +
         " output_limit=" + std::to_string(o.output_limit) +
         " poll_max=" + std::to_string(o.poll_max.count()) +
         " inherit_env=" + std::to_string(o.inherit_env) + " user=" + o.user +
         " listen_events=" + std::to_string(o.listen_events) +
         " retries=" + std::to_string(o.retries) + "/" + std::to_string(o.retry_delay.count()) +
         " cwd=" + dump(s.cwd) + " log_file=" + dump(s.log_file) + " depends_on@" +
         s.depends_on_path + "=";
  for (const auto& d : s.depends_on) out += d + ",";
  for (const auto& [name, value] : s.env) out += " env " + name + "=" + dump(value);
  for (const auto& name : o.env_remove) out += " unset " + name;
  for (const auto& setup : s.setup) out += " setup " + dump(setup);
  if (s.tmpdir_mode) out += " mode=" + std::to_string(static_cast<unsigned>(*s.tmpdir_mode));
  return out;
}

struct Case {
  std::string json;  // the service "a" in JSON
  ServiceDescription cpp;
};

std::vector<Case> cases() {
  using ready::all_of;
  using ready::any_of;
  return {
      {R"({"command": "x --y '${port}'"})", {.command = "x --y '${port}'"}},
      {R"({"command": ["x", "${port}"], "port": "auto"})",
       {.command = {"x", "${port}"}, .port = auto_port}},
      {R"({"command": "x | y", "shell": true, "description": "d"})",
       {.command = "x | y", .options = {.shell = true}, .description = "d"}},
      {R"({"command": "x", "port": 8080, "ports": {"http": "auto", "grpc": 9090}, "host": "::1"})",
       {.command = "x",
        .port = 8080,
        .ports = {{"http", auto_port}, {"grpc", 9090}},
        .host = "::1"}},
      {R"({"command": "x", "ready": {"output": {"banner": "up", "stream": "stderr", "times": 2}}})",
       {.command = "x", .ready = ready::output("up", 2, OutputStreams::Stderr)}},
      {R"({"command": "x", "ready": {"output": {"banner": "up", "stream": "stdout"}}})",
       {.command = "x", .ready = ready::output("up", 1, OutputStreams::Stdout)}},
      {R"({"command": "x", "ready": {"tcp": {}}})", {.command = "x", .ready = ready::tcp()}},
      {R"({"command": "x", "ready": {"tcp": {"host": "h", "port": 5}}})",
       {.command = "x", .ready = ready::tcp("h", 5)}},
      {R"({"command": "x", "ready": {"http": {"url": "${url}/h", "status": 204,
           "method": "GET", "headers": {"A/B": "${port}"}, "body": "{}"}}})",
       {.command = "x",
        .ready = ready::http(
            "${url}/h",
            {.status = "^204$", .method = "GET", .headers = {{"A/B", "${port}"}}, .body = "{}"})}},
      {R"({"command": "x", "ready": {"http": {"status": "^2\\d\\d$"}}})",
       {.command = "x", .ready = ready::http()}},
      {R"({"command": "x", "ready": {"unix_socket": {"path": "${tmpdir}/s"}}})",
       {.command = "x", .ready = ready::unix_socket("${tmpdir}/s")}},
      {R"({"command": "x", "ready": {"file": {"path": "f", "require_content": true}}})",
       {.command = "x", .ready = ready::file("f", true)}},
      {R"({"command": "x", "ready": {"exec": {"command": ["t", "${port}"]}}})",
       {.command = "x", .ready = ready::exec({"t", "${port}"})}},
      {R"({"command": "x", "ready": {"all": [{"tcp": {}}, {"exec": {"command": "t"}}]}})",
       {.command = "x", .ready = all_of({ready::tcp(), ready::exec("t")})}},
      {R"({"command": "x", "ready": {"any": [{"file": {"path": "f"}}, {"output": {"banner": "b"}}]}})",
       {.command = "x", .ready = any_of({ready::file("f"), ready::output("b")})}},
      {R"({"command": "x", "health": {"any": [{"tcp": {}}, {"file": {"path": "f"}}],
           "interval": "2s", "failures": 5}})",
       {.command = "x",
        .health = {.check = any_of({ready::tcp(), ready::file("f")}),
                   .interval = 2s,
                   .failures = 5}}},
      {R"({"command": "x", "timeout": "10s", "stop_timeout": 2500, "stop_signal": "SIGINT",
           "kill_signal": 9, "expected_returncode": 3, "stdout": "null", "stderr": "inherit",
           "output_limit": 4096, "poll_max": "5ms", "inherit_env": false, "user": "nobody",
           "retries": 2, "retry_delay": "1s", "listen_events": false})",
       {.command = "x",
        .options = {.inherit_env = false,
                    .timeout = 10s,
                    .stop_timeout = 2500ms,
                    .stop_signal = SIGINT,
                    .kill_signal = SIGKILL,
                    .expected_returncode = 3,
                    .stdout_mode = Stdio::Null,
                    .stderr_mode = Stdio::Inherit,
                    .user = "nobody",
                    .output_limit = 4096,
                    .poll_max = 5ms,
                    .retries = 2,
                    .retry_delay = 1s,
                    .listen_events = false}}},
      {R"({"command": "x", "env": {"A": "${port}", "B": null, "C": "1"}, "cwd": "${tmpdir}",
           "log_file": "x.log", "setup": ["a b", ["c", "${name}"]], "depends_on": ["b", "c"],
           "tmpdir_mode": "0755"})",
       {.command = "x",
        .depends_on = {"b", "c"},
        .setup = {"a b", {"c", "${name}"}},
        .options = {.cwd = "${tmpdir}",
                    .env = {{"A", "${port}"}, {"C", "1"}},
                    .log_file = "x.log",
                    .env_remove = {"B"}},
        .tmpdir_mode = std::filesystem::perms(0755)}},
  };
}

TEST(DescriptionKeys, EachJsonKeyMeansWhatItsCppFieldMeans) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.json);
    const auto json = nlohmann::json::parse(R"({"services": {"a": )" + c.json + "}}");
    const SetSpec from_json = parse_set(json, "/base");
    const SetSpec from_cpp = set_spec({.services = {{"a", c.cpp}}}, "/base");
    ASSERT_EQ(from_json.services.size(), 1u);
    ASSERT_EQ(from_cpp.services.size(), 1u);
    EXPECT_EQ(dump(from_cpp.services[0]), dump(from_json.services[0]));
  }
}

// A key added to the format without a case above (hence maybe without a C++ field) fails here.
TEST(DescriptionKeys, TheCasesCoverEveryKey) {
  std::set<std::string> service;
  std::set<std::string> ready;
  for (const auto& c : cases()) {
    const auto json = nlohmann::json::parse(c.json);
    for (const auto& item : json.items()) service.insert(item.key());
    for (const char* key : {"ready", "health"}) {
      if (!json.contains(key)) continue;
      for (const auto& item : json[key].items()) {
        ready.insert(item.key());
        if (item.value().is_array()) {
          for (const auto& part : item.value()) ready.insert(part.begin().key());
        }
      }
    }
  }
  for (const auto& key : service_keys()) EXPECT_TRUE(service.count(key)) << key;
  for (const auto& key : ready_keys()) EXPECT_TRUE(ready.count(key)) << key;
}

}  // namespace
}  // namespace mirakuru::detail
