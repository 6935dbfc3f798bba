#include "services/description.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "services/json_reader.hpp"
#include "services/limits.hpp"
#include "services/scalars.hpp"

namespace mirakuru::detail {

namespace {

// Log files are named "mk-NAME-pPID-sSHARD-SEQ.log": a file name has at most 255 bytes.
constexpr std::size_t kMaxServiceName = 100;

bool is_identifier(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// JSON text is checked for NUL bytes as a whole (config_parser.cpp); C++ strings here.
void reject_nul(const Text& text) {
  if (!text.empty()) reject_nul_string(text.value, text.path);
}

void reject_nul(const CommandSpec& command) {
  for (const auto& arg : command.args) reject_nul(arg);
}

void reject_nul(const ReadySpec& spec) {
  for (const Text* t :
       {&spec.banner, &spec.host, &spec.port, &spec.url, &spec.status, &spec.body, &spec.file}) {
    reject_nul(*t);
  }
  for (const auto& [_, header] : spec.headers) reject_nul(header);
  reject_nul(spec.check);
  for (const auto& part : spec.parts) reject_nul(part);
}

void reject_nul(const ServiceSpec& spec) {
  reject_nul(spec.command);
  reject_nul(spec.ready);
  reject_nul(spec.health.check);
  for (const auto& [_, value] : spec.env) reject_nul(value);
  reject_nul(spec.cwd);
  reject_nul(spec.log_file);
  for (const auto& setup : spec.setup) reject_nul(setup);
  reject_nul_string(spec.host, json_child(spec.path, "host"));
  reject_nul_string(spec.options.user, json_child(spec.path, "user"));
  for (std::size_t i = 0; i < spec.depends_on.size(); ++i) {
    reject_nul_string(spec.depends_on[i], json_child(spec.depends_on_path, i));
  }
}

void check_env_name(const std::string& name, const std::string& path) {
  reject_nul_key(name, path);
  if (name.empty() || name.find('=') != std::string::npos) {
    config_error(path, "invalid environment variable name \"" + name + "\"");
  }
}

void check_command(const CommandSpec& command) {
  const bool blank =
      command.args.empty() ||
      (command.is_line && command.args[0].value.find_first_not_of(" \t\n") == std::string::npos);
  if (blank) config_error(command.path, "the command is empty");
}

// What the JSON parser refuses by syntax, a C++ description can still hold.
void check_ready(const ReadySpec& spec) {
  switch (spec.kind) {
    case ReadyKind::None:
      break;
    case ReadyKind::Output:
      banner_times(spec.times, json_child(spec.path, "times"));
      break;
    case ReadyKind::Http:
      check_http_method(spec.method, json_child(spec.path, "method"));
      break;
    case ReadyKind::UnixSocket:
    case ReadyKind::File:
      if (spec.file.value.empty()) config_error(spec.file.path, "the path is empty");
      break;
    case ReadyKind::Exec:
      check_command(spec.check);
      break;
    case ReadyKind::All:
    case ReadyKind::Any:
      if (spec.parts.empty()) no_checks_error(spec.path, nlohmann::json::array());
      for (std::size_t i = 0; i < spec.parts.size(); ++i) {
        const ReadySpec& part = spec.parts[i];
        if (part.kind == ReadyKind::All || part.kind == ReadyKind::Any) {
          nested_checks_error(json_child(spec.path, i));
        }
        if (part.kind == ReadyKind::None) {
          config_error(json_child(spec.path, i), "an empty check: give one of the ready:: kinds");
        }
        check_ready(part);
      }
      break;
    case ReadyKind::Tcp:
      break;
  }
}

// A banner is an event, not a state: a health check must be able to fail again later.
void refuse_output(const ReadySpec& check) {
  if (check.kind == ReadyKind::Output) {
    config_error(check.path,
                 "\"output\" cannot be a health check: a banner is seen once, it cannot fail "
                 "later. Use tcp, http, unix_socket, file or exec");
  }
  for (const auto& part : check.parts) refuse_output(part);
}

PortSpec port_spec(const Port& port, const std::string& path) {
  PortSpec spec;
  spec.path = path;
  spec.automatic = port.automatic();
  if (!spec.automatic) spec.fixed = port_number(port.number(), path);
  return spec;
}

HealthSpec health_spec(const HealthCheck& health, const std::string& path) {
  HealthSpec spec;
  if (health.check.empty()) return spec;
  spec.path = path;
  spec.check = DescriptionAccess::spec(health.check, path);
  spec.interval = health_interval(health.interval.count(), json_child(path, "interval"));
  spec.failures = health_failures(health.failures, json_child(path, "failures"));
  check_ready(spec.check);
  refuse_output(spec.check);
  return spec;
}

// The values JSON gives as text ("10s", "SIGTERM") arrive here as numbers: the same limits.
void check_options(const Options& o, const std::string& path) {
  auto at = [&path](const char* key) { return json_child(path, key); };
  duration_from_json(o.timeout.count(), at("timeout"));
  if (o.stop_timeout) duration_from_json(o.stop_timeout->count(), at("stop_timeout"));
  duration_from_json(o.poll_max.count(), at("poll_max"));
  signal_from_json(o.stop_signal, at("stop_signal"));
  signal_from_json(o.kill_signal, at("kill_signal"));
  if (o.expected_returncode) exit_code(*o.expected_returncode, at("expected_returncode"));
  output_limit(o.output_limit, at("output_limit"));
  retries(o.retries, at("retries"));
  retry_delay(o.retry_delay.count(), at("retry_delay"));
}

// "0755" as JSON writes it, so that the JSON rule (and its message) applies.
std::string octal(std::filesystem::perms mode) {
  std::string text;
  for (auto bits = static_cast<unsigned>(mode); bits != 0; bits /= 8) {
    text.insert(text.begin(), static_cast<char>('0' + bits % 8));
  }
  return "0" + text;
}

ServiceSpec service_spec(const std::string& name, const ServiceDescription& s,
                         const std::string& path) {
  auto at = [&path](const char* key) { return json_child(path, key); };
  if (!is_identifier(name)) {
    config_error(path, "invalid service name \"" + name +
                           "\": use letters, digits, '_' and '-' (it appears in "
                           "${services.NAME.port})");
  }
  if (name.size() > kMaxServiceName) {
    config_error(path, "the service name is " + std::to_string(name.size()) +
                           " characters long: at most " + std::to_string(kMaxServiceName) +
                           " (it is part of file names)");
  }
  ServiceSpec spec;
  spec.name = name;
  spec.path = path;
  spec.command = command_spec(s.command, at("command"));
  check_command(spec.command);
  Options o = s.options;
  if (o.shell && !spec.command.is_line) {
    config_error(at("shell"),
                 "\"shell\": true needs \"command\" to be one string (an array "
                 "is run directly)");
  }
  if (s.port) spec.port = port_spec(*s.port, at("port"));
  for (const auto& [port_name, port] : s.ports) {
    const std::string p = json_child(at("ports"), port_name);
    if (!is_identifier(port_name)) config_error(p, "invalid port name \"" + port_name + "\"");
    spec.ports[port_name] = port_spec(port, p);
  }
  spec.host = s.host;
  if (spec.host.empty()) config_error(at("host"), "the host is empty");
  spec.ready = DescriptionAccess::spec(s.ready, at("ready"));
  check_ready(spec.ready);
  spec.health = health_spec(s.health, at("health"));
  check_options(o, path);

  for (const auto& [var, value] : o.env) {
    const std::string p = json_child(at("env"), var);
    check_env_name(var, p);
    spec.env[var] = {value, p};
  }
  for (const auto& var : o.env_remove) check_env_name(var, json_child(at("env"), var));
  if (!o.cwd.empty()) spec.cwd = {o.cwd.string(), at("cwd")};
  if (!o.log_file.empty()) spec.log_file = {o.log_file.string(), at("log_file")};
  o.env.clear();  // resolve.cpp expands them from spec.env, spec.cwd, spec.log_file
  o.cwd.clear();
  o.log_file.clear();
  spec.options = std::move(o);

  for (std::size_t i = 0; i < s.setup.size(); ++i) {
    spec.setup.push_back(command_spec(s.setup[i], json_child(at("setup"), i)));
    check_command(spec.setup.back());
  }
  spec.depends_on = s.depends_on;
  spec.depends_on_path = at("depends_on");
  if (s.tmpdir_mode) spec.tmpdir_mode = mode_from_json(octal(*s.tmpdir_mode), at("tmpdir_mode"));
  reject_nul(spec);
  return spec;
}

}  // namespace

SetSpec set_spec(const SetDescription& description, const std::filesystem::path& config_dir) {
  SetSpec set;
  set.config_dir = config_dir;
  for (const auto& [name, value] : description.vars) {
    const std::string p = json_child("/vars", name);
    if (!is_identifier(name)) config_error(p, "invalid variable name \"" + name + "\"");
    set.vars[name] = {value, p};
    reject_nul(set.vars[name]);
  }
  for (const auto& [name, service] : description.services) {
    set.services.push_back(service_spec(name, service, json_child("/services", name)));
  }
  return set;
}

}  // namespace mirakuru::detail
