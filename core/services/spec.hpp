// A service set ready to be built: every value with the JSON path it has (or would have, for a
// C++ description) in the format, checked, variables not yet expanded (description.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mirakuru/executors.hpp"
#include "mirakuru/options.hpp"

namespace mirakuru::detail {

// A string that may hold ${...} variables, and the JSON pointer it came from.
struct Text {
  std::string value;
  std::string path;
  bool empty() const { return path.empty(); }  // absent from the JSON
};

// "command", a "setup" entry or "ready.exec.command": one string (split like a shell, or run by
// /bin/sh -c when the service has "shell": true) or an argv array.
struct CommandSpec {
  bool is_line = false;  // a string: `args` holds exactly it
  std::vector<Text> args;
  std::string path;
};

enum class ReadyKind { None, Output, Tcp, Http, UnixSocket, File, Exec, All, Any };

struct ReadySpec {
  ReadyKind kind = ReadyKind::None;
  std::string path;  // "/services/NAME/ready/KIND"
  // output
  Text banner;
  OutputStreams streams = OutputStreams::Both;
  int times = 1;
  // tcp (empty: the service's host and port)
  Text host;
  Text port;
  // http (empty url: the service's url + "/")
  Text url;
  Text status;
  std::string method;
  std::map<std::string, Text> headers;
  Text body;
  // unix_socket, file
  Text file;
  bool require_content = false;
  // exec
  CommandSpec check;
  // all, any: the single kinds above
  std::vector<ReadySpec> parts;
};

// "health": a check repeated while the service runs, once it is ready.
struct HealthSpec {
  ReadySpec check;  // kind None: the service has no health check
  std::chrono::milliseconds interval{1000};
  int failures = 3;  // consecutive failed checks that make the service unhealthy
  std::string path;  // "/services/NAME/health"
};

struct PortSpec {
  bool automatic = false;  // "auto"
  int fixed = 0;
  std::string path;
};

struct ServiceSpec {
  std::string name;
  std::string path;  // "/services/NAME"
  CommandSpec command;
  std::optional<PortSpec> port;
  std::map<std::string, PortSpec> ports;
  std::string host = "127.0.0.1";
  ReadySpec ready;
  HealthSpec health;
  Options options;  // with "retries" / "retry_delay", which the set applies (not the executor)  //
                    // the fields that hold no variables (durations, signals, modes, user...)
  std::map<std::string, Text> env;  // null values are in options.env_remove instead
  Text cwd;
  Text log_file;
  std::vector<CommandSpec> setup;
  std::vector<std::string> depends_on;
  std::string depends_on_path;
  std::optional<std::filesystem::perms> tmpdir_mode;  // unset: 0700 inside the set's directory
};

struct SetSpec {
  std::map<std::string, Text> vars;
  std::vector<ServiceSpec> services;  // by name
  std::filesystem::path config_dir;   // absolute
};

}  // namespace mirakuru::detail
