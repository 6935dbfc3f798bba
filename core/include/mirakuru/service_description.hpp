// mirakuru/service_description.hpp — a service set described in C++ instead of JSON.
//
// The same format as docs/service-sets.md, as plain aggregates (designated initializers work)
// and a few factories for the readiness checks:
//
//   namespace ready = mirakuru::ready;
//   auto set = mirakuru::ServiceSet::from_description({
//       .services = {
//           {"db", {.command = "postgres -D ${tmpdir} -p ${port}",
//                   .port = mirakuru::auto_port,
//                   .ready = ready::output("ready to accept connections")}},
//           {"api", {.command = {"./api", "--db", "${services.db.url}"},
//                    .port = mirakuru::auto_port,
//                    .ready = ready::http("${url}/health"),
//                    .depends_on = {"db"},
//                    .options = {.env = {{"LOG_LEVEL", "debug"}}, .timeout = 10s}}},
//       }});
//
// Strings keep their ${...} variables exactly as in JSON ("${port}", "${services.db.url}",
// "${vars.NAME}", "${env.HOME}"); they are expanded when the set is built. The JSON parser
// produces this very description, so a description and the equivalent JSON build the same set
// through the same validation: a mistake is a ConfigError naming the JSON path it would have in
// the equivalent JSON ("/services/api/depends_on/0: unknown service \"bd\"...").
//
// The order of the fields of the aggregates below is API: new fields are only ever appended.
// Everything here is a value: copyable, no I/O, never throws (except std::bad_alloc).
#pragma once

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mirakuru/options.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

namespace detail {
struct ReadySpec;          // core/services/spec.hpp
struct DescriptionAccess;  // core/services/description.hpp
}  // namespace detail

// "command", a "setup" entry or an exec check: one string or an argv vector.
// - One string ("server --port ${port}") is split like a shell (quotes, backslashes) and then
//   each ${...} is expanded inside its word, so a value holding spaces stays one argument; with
//   Options::shell it is run by /bin/sh -c, variables shell-quoted.
// - An argv vector ({"server", "--port", "${port}"}) is exec'd as is, each element expanded.
// A program with a '/' in a relative path ("./server") is found relative to the set's base
// directory; a bare name is looked up in PATH.
class CommandTemplate {
 public:
  CommandTemplate() = default;        // no command: the set refuses it ("the command is empty")
  CommandTemplate(const char* line);  // NOLINT(google-explicit-constructor)
  CommandTemplate(std::string line);  // NOLINT(google-explicit-constructor)
  CommandTemplate(std::vector<std::string> argv);            // NOLINT(google-explicit-constructor)
  CommandTemplate(std::initializer_list<std::string> argv);  // NOLINT(google-explicit-constructor)

  bool is_line() const noexcept { return is_line_; }
  // is_line(): exactly one element, the line; else the argv.
  const std::vector<std::string>& words() const noexcept { return words_; }

 private:
  bool is_line_ = false;
  std::vector<std::string> words_;
};

// "port": "auto" (a free port, reserved for the set's lifetime) or a fixed number (1-65535).
struct AutoPort {
  explicit constexpr AutoPort() = default;
};
inline constexpr AutoPort auto_port{};

class Port {
 public:
  constexpr Port(int number) noexcept : number_(number) {}  // NOLINT(google-explicit-constructor)
  constexpr Port(AutoPort) noexcept : automatic_(true) {}   // NOLINT(google-explicit-constructor)
  constexpr bool automatic() const noexcept { return automatic_; }
  constexpr int number() const noexcept { return number_; }  // 0 when automatic()

 private:
  bool automatic_ = false;
  int number_ = 0;
};

// A readiness (or health) check: what "ready" says in JSON. Built by the factories in
// mirakuru::ready; a default-constructed one is no check (the service is ready once spawned).
class ReadyCheck {
 public:
  ReadyCheck() noexcept = default;
  bool empty() const noexcept { return !spec_; }

 private:
  friend struct detail::DescriptionAccess;
  std::shared_ptr<const detail::ReadySpec> spec_;
};

namespace ready {

// {"output": {"banner", "times", "stream"}}: a line of the service's output matches `banner`
// (a regex, searched, linear-time engine) `times` times (1-1000000) since this start.
ReadyCheck output(std::string banner, int times = 1, OutputStreams streams = OutputStreams::Both);
// {"tcp": {}}: a TCP connect to the service's host and port succeeds.
ReadyCheck tcp();
// {"tcp": {"host", "port"}}: to `host` ("${host}": the service's) and `port` ("${ports.admin}").
ReadyCheck tcp(std::string host, std::string port);
ReadyCheck tcp(std::string host, int port);
// {"http": {"url", "status", "method", "headers", "body"}}: `url` (an http:// URL; unset: the
// service's url + "/") answers a `check.method` request with a status matching `check.status`.
ReadyCheck http(std::optional<std::string> url = {}, HttpCheck check = {});
// {"unix_socket": {"path"}}: a connect() to the socket succeeds. Relative paths: to the cwd.
ReadyCheck unix_socket(std::string path);
// {"file": {"path", "require_content"}}: the file exists (and is not empty).
ReadyCheck file(std::string path, bool require_content = false);
// {"exec": {"command"}}: `command` exits 0 (run with the service's options).
ReadyCheck exec(CommandTemplate command);
// {"all": [...]} / {"any": [...]}: every / one of `checks` (single kinds, not all_of/any_of).
ReadyCheck all_of(std::vector<ReadyCheck> checks);
ReadyCheck any_of(std::vector<ReadyCheck> checks);

}  // namespace ready

// "health": `check` repeated every `interval` (10ms-1h) once the service is ready; `failures`
// (1-1000) failed checks in a row make it unhealthy (ServiceSet::healthy()). An empty check: no
// health checks. An output check cannot be a health check (a banner cannot fail later).
struct HealthCheck {
  ReadyCheck check;
  std::chrono::milliseconds interval{1000};
  int failures = 3;
};

// One service: the keys of a "services" entry.
struct ServiceDescription {
  CommandTemplate command;              // required
  std::optional<Port> port;             // ${port}, ${url}; unset: the service has none
  std::map<std::string, Port> ports;    // named ports: ${ports.NAME}
  std::string host = "127.0.0.1";       // ${host}; what tcp/http checks connect to
  ReadyCheck ready;                     // empty: ready once spawned
  HealthCheck health;                   // empty check: none
  std::vector<std::string> depends_on;  // started after (and stopped before) these
  std::vector<CommandTemplate> setup;   // run in order before each start; each must exit 0
  // How to run it. As in JSON: `shell`, the durations, signals, `expected_returncode`,
  // `stdout_mode`/`stderr_mode` ("stdout"/"stderr"), `user`, `output_limit`, `poll_max`,
  // `retries`/`retry_delay`, `inherit_env`, `listen_events`. `env` values, `cwd` and `log_file` may
  // hold ${...}; a relative `cwd` is relative to the set's base directory, a relative `log_file` to
  // the log directory. `env_remove` is what JSON writes as "env": {"NAME": null}.
  Options options;
  std::optional<std::filesystem::perms> tmpdir_mode;  // 0700-0777; unset: 0700
  std::string description;                            // for people; unused
};

// A service set: "vars" and "services".
struct SetDescription {
  std::map<std::string, std::string> vars;             // ${vars.NAME}, expanded where used
  std::map<std::string, ServiceDescription> services;  // by name: letters, digits, '_', '-'
  std::string description;                             // for people; unused
};

}  // namespace mirakuru
