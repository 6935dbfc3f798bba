#include "services/config_parser.hpp"

#include <string>
#include <vector>

#include "services/description.hpp"
#include "services/json_reader.hpp"
#include "services/limits.hpp"
#include "services/scalars.hpp"

namespace mirakuru::detail {

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys{"$schema", "description", "vars", "services"};
  return keys;
}

const std::vector<std::string>& service_keys() {
  static const std::vector<std::string> keys{
      "command",      "shell",       "description", "port",
      "ports",        "host",        "ready",       "timeout",
      "stop_timeout", "stop_signal", "kill_signal", "expected_returncode",
      "env",          "inherit_env", "cwd",         "user",
      "stdout",       "stderr",      "log_file",    "output_limit",
      "poll_max",     "setup",       "depends_on",  "tmpdir_mode",
      "retries",      "retry_delay", "health",      "listen_events"};
  return keys;
}

const std::vector<std::string>& ready_keys() {
  static const std::vector<std::string> keys{"output", "tcp",  "http", "unix_socket",
                                             "file",   "exec", "all",  "any"};
  return keys;
}

namespace {

// Strings, and numbers/booleans written without quotes ("PORT": 5432), as text.
std::string scalar_text(const nlohmann::json& value, const std::string& path,
                        std::string_view what) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  config_error(path, "expected " + std::string(what) + ", got " + describe_json(value));
}

CommandTemplate parse_command(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array()) {
    config_error(path,
                 "expected a command: a string (\"server --port ${port}\") or an array "
                 "of strings ([\"server\", \"--port\", \"${port}\"]), got " +
                     describe_json(value));
  }
  std::vector<std::string> argv;
  for (std::size_t i = 0; i < value.size(); ++i) {
    argv.push_back(scalar_text(value[i], json_child(path, i), "a string"));
  }
  return argv;
}

Port parse_port(const nlohmann::json& value, const std::string& path) {
  if (value.is_string() && value.get_ref<const std::string&>() == "auto") return auto_port;
  if (value.is_string()) {
    config_error(path, "expected a port number (1-65535) or \"auto\", got " + describe_json(value) +
                           did_you_mean(value.get_ref<const std::string&>(), {"auto"}));
  }
  return port_number(value, path);
}

ReadySpec parse_single_ready(const nlohmann::json& value, const std::string& path);

// "ready": [...] (all must hold), {"all": [...]} or {"any": [...]} of single kinds.
ReadySpec parse_ready_parts(const nlohmann::json& value, const std::string& path, ReadyKind kind) {
  if (!value.is_array() || value.empty()) no_checks_error(path, value);
  ReadySpec spec;
  spec.kind = kind;
  spec.path = path;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string part = json_child(path, i);
    if (value[i].is_object() && value[i].size() == 1 &&
        (value[i].contains("all") || value[i].contains("any"))) {
      nested_checks_error(part);
    }
    spec.parts.push_back(parse_single_ready(value[i], part));
  }
  return spec;
}

}  // namespace

ReadySpec parse_ready(const nlohmann::json& value, const std::string& path) {
  if (value.is_array()) return parse_ready_parts(value, path, ReadyKind::All);
  if (value.is_object() && value.size() == 1 && (value.contains("all") || value.contains("any"))) {
    const std::string key = value.begin().key();
    return parse_ready_parts(value.begin().value(), json_child(path, key),
                             key == "all" ? ReadyKind::All : ReadyKind::Any);
  }
  return parse_single_ready(value, path);
}

namespace {

Text text_at(const nlohmann::json& value, const std::string& path) {
  return {expect_string(value, path), path};
}

ReadySpec parse_single_ready(const nlohmann::json& value, const std::string& path) {
  JsonObject ready(value, path, ready_keys());
  if (value.size() != 1) {
    config_error(
        path,
        "expected exactly one of output, tcp, http, unix_socket, file, exec (or all, any); "
        "got " +
            std::to_string(value.size()));
  }
  ReadySpec spec;
  const std::string kind = value.begin().key();
  spec.path = ready.path(kind);
  const nlohmann::json& body = value.begin().value();
  if (kind == "output") {
    JsonObject o(body, spec.path, {"banner", "stream", "times"});
    const auto* banner = o.find("banner");
    if (!banner) config_error(spec.path, "missing \"banner\" (a regex matched against each line)");
    spec.kind = ReadyKind::Output;
    spec.banner = text_at(*banner, o.path("banner"));
    if (const auto* t = o.find("times")) spec.times = banner_times(*t, o.path("times"));
    const std::string stream = o.string("stream", "both");
    if (stream == "stdout") {
      spec.streams = OutputStreams::Stdout;
    } else if (stream == "stderr") {
      spec.streams = OutputStreams::Stderr;
    } else if (stream != "both") {
      config_error(o.path("stream"), "expected \"stdout\", \"stderr\" or \"both\", got \"" +
                                         stream + "\"" +
                                         did_you_mean(stream, {"stdout", "stderr", "both"}));
    }
  } else if (kind == "tcp") {
    JsonObject o(body, spec.path, {"host", "port"});
    spec.kind = ReadyKind::Tcp;
    if (const auto* h = o.find("host")) spec.host = text_at(*h, o.path("host"));
    if (const auto* p = o.find("port")) {
      spec.port = {scalar_text(*p, o.path("port"), "a port number or \"${port}\""), o.path("port")};
    }
  } else if (kind == "http") {
    JsonObject o(body, spec.path, {"url", "status", "method", "headers", "body"});
    spec.kind = ReadyKind::Http;
    if (const auto* u = o.find("url")) spec.url = text_at(*u, o.path("url"));
    if (const auto* s = o.find("status")) {
      spec.status = s->is_number_integer() ? Text{"^" + s->dump() + "$", o.path("status")}
                                           : text_at(*s, o.path("status"));
    }
    spec.method = o.string("method", "HEAD");
    if (const auto* hs = o.find("headers")) {
      if (!hs->is_object()) {
        config_error(o.path("headers"),
                     "expected an object of NAME: value, got " + describe_json(*hs));
      }
      for (const auto& item : hs->items()) {
        const std::string p = json_child(o.path("headers"), item.key());
        spec.headers[item.key()] = text_at(item.value(), p);
      }
    }
    if (const auto* b = o.find("body")) spec.body = text_at(*b, o.path("body"));
  } else if (kind == "unix_socket" || kind == "file") {
    JsonObject o(body, spec.path,
                 kind == "file" ? std::vector<std::string>{"path", "require_content"}
                                : std::vector<std::string>{"path"});
    const auto* p = o.find("path");
    if (!p) config_error(spec.path, "missing \"path\"");
    spec.kind = kind == "file" ? ReadyKind::File : ReadyKind::UnixSocket;
    spec.file = text_at(*p, o.path("path"));
    spec.require_content = o.boolean("require_content", false);
  } else {  // exec
    JsonObject o(body, spec.path, {"command"});
    const auto* c = o.find("command");
    if (!c) config_error(spec.path, "missing \"command\" (ready when it exits 0)");
    spec.kind = ReadyKind::Exec;
    spec.check = command_spec(parse_command(*c, o.path("command")), o.path("command"));
  }
  return spec;
}

void parse_env(const JsonObject& service, Options& options) {
  const auto* env = service.find("env");
  if (!env) return;
  if (!env->is_object()) {
    config_error(
        service.path("env"),
        "expected an object of NAME: value (null removes NAME), got " + describe_json(*env));
  }
  for (const auto& item : env->items()) {
    if (item.value().is_null()) {
      options.env_remove.push_back(item.key());
    } else {
      const std::string p = json_child(service.path("env"), item.key());
      options.env[item.key()] = scalar_text(item.value(), p, "a string or null");
    }
  }
}

// "cwd": "" names the base directory itself, as ".": an empty path means "unset" in Options.
std::string path_text(const JsonObject& service, std::string_view key) {
  std::string text = expect_string(*service.find(key), service.path(key));
  return text.empty() ? "." : text;
}

// "description": any JSON (for people), kept when it is text.
std::string prose(const JsonObject& object) {
  const auto* d = object.find("description");
  return d && d->is_string() ? d->get<std::string>() : std::string();
}

void parse_options(const JsonObject& s, Options& o) {
  if (const auto* v = s.find("timeout")) o.timeout = duration_from_json(*v, s.path("timeout"));
  if (const auto* v = s.find("stop_timeout")) {
    o.stop_timeout = duration_from_json(*v, s.path("stop_timeout"));
  }
  if (const auto* v = s.find("poll_max")) o.poll_max = duration_from_json(*v, s.path("poll_max"));
  if (const auto* v = s.find("stop_signal"))
    o.stop_signal = signal_from_json(*v, s.path("stop_signal"));
  if (const auto* v = s.find("kill_signal"))
    o.kill_signal = signal_from_json(*v, s.path("kill_signal"));
  if (const auto* v = s.find("expected_returncode")) {
    o.expected_returncode = exit_code(*v, s.path("expected_returncode"));
  }
  if (const auto* v = s.find("stdout")) o.stdout_mode = stdio_from_json(*v, s.path("stdout"));
  if (const auto* v = s.find("stderr")) o.stderr_mode = stdio_from_json(*v, s.path("stderr"));
  if (const auto* v = s.find("output_limit"))
    o.output_limit = output_limit(*v, s.path("output_limit"));
  if (const auto* v = s.find("retries")) o.retries = retries(*v, s.path("retries"));
  if (const auto* v = s.find("retry_delay")) o.retry_delay = retry_delay(*v, s.path("retry_delay"));
  o.inherit_env = s.boolean("inherit_env", true);
  o.listen_events = s.boolean("listen_events", true);
  o.user = s.string("user");
  parse_env(s, o);
  if (s.find("cwd")) o.cwd = path_text(s, "cwd");
  if (s.find("log_file")) o.log_file = path_text(s, "log_file");
}

ServiceDescription parse_service(const nlohmann::json& value, const std::string& path) {
  JsonObject s(value, path, service_keys());
  ServiceDescription spec;
  const auto* command = s.find("command");
  if (!command) config_error(path, "missing \"command\"");
  spec.command = parse_command(*command, s.path("command"));
  spec.options.shell = s.boolean("shell", false);
  if (const auto* p = s.find("port")) spec.port = parse_port(*p, s.path("port"));
  if (const auto* ps = s.find("ports")) {
    if (!ps->is_object()) {
      config_error(s.path("ports"), "expected an object of NAME: port, got " + describe_json(*ps));
    }
    for (const auto& item : ps->items()) {
      spec.ports.emplace(item.key(),
                         parse_port(item.value(), json_child(s.path("ports"), item.key())));
    }
  }
  spec.host = s.string("host", "127.0.0.1");
  spec.description = prose(s);
  if (const auto* r = s.find("ready")) {
    spec.ready = DescriptionAccess::make(parse_ready(*r, s.path("ready")), s.path("ready"));
  }
  if (const auto* h = s.find("health")) spec.health = parse_health(*h, s.path("health"));
  parse_options(s, spec.options);
  if (const auto* v = s.find("tmpdir_mode")) {
    spec.tmpdir_mode = mode_from_json(*v, s.path("tmpdir_mode"));
  }
  if (const auto* v = s.find("setup")) {
    if (!v->is_array()) {
      config_error(s.path("setup"), "expected an array of commands, got " + describe_json(*v));
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      spec.setup.push_back(parse_command((*v)[i], json_child(s.path("setup"), i)));
    }
  }
  if (const auto* v = s.find("depends_on")) {
    if (!v->is_array()) {
      config_error(s.path("depends_on"),
                   "expected an array of service names, got " + describe_json(*v));
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      spec.depends_on.push_back(
          expect_string((*v)[i], json_child(s.path("depends_on"), i), "a service name"));
    }
  }
  return spec;
}

void reject_nul(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) {
    reject_nul_string(value.get_ref<const std::string&>(), path);
  } else if (value.is_object()) {
    for (const auto& item : value.items()) {
      const std::string p = json_child(path, item.key());
      reject_nul_key(item.key(), p);
      reject_nul(item.value(), p);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) reject_nul(value[i], json_child(path, i));
  }
}

}  // namespace

SetDescription describe_set(const nlohmann::json& config) {
  reject_nul(config, "");
  JsonObject top(config, "", top_level_keys());
  SetDescription set;
  set.description = prose(top);
  if (const auto* vars = top.find("vars")) {
    if (!vars->is_object()) {
      config_error("/vars", "expected an object of NAME: value, got " + describe_json(*vars));
    }
    for (const auto& item : vars->items()) {
      set.vars[item.key()] =
          scalar_text(item.value(), json_child("/vars", item.key()), "a string, number or boolean");
    }
  }
  const auto* services = top.find("services");
  if (!services) config_error("", "missing \"services\" (an object of NAME: service)");
  if (!services->is_object()) {
    config_error("/services",
                 "expected an object of NAME: service, got " + describe_json(*services));
  }
  for (const auto& item : services->items()) {
    set.services[item.key()] = parse_service(item.value(), json_child("/services", item.key()));
  }
  return set;
}

SetSpec parse_set(const nlohmann::json& config, const std::filesystem::path& config_dir) {
  return set_spec(describe_set(config), config_dir);
}

}  // namespace mirakuru::detail
