#include "services/resolve.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "executors/line_regex.hpp"
#include "mirakuru/executors.hpp"
#include "services/json_reader.hpp"
#include "services/shell_script.hpp"
#include "services/template.hpp"

namespace mirakuru::detail {

std::string endpoint_url(const ServiceEndpoint& endpoint) {
  if (!endpoint.port) return {};
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
         std::to_string(*endpoint.port);
}

VariableScope::VariableScope(const SetSpec& set, EndpointOf endpoint_of, std::size_t self)
    : set_(set), endpoint_of_(std::move(endpoint_of)), self_(self) {}

VariableScope::VariableScope(const SetSpec& set, const std::vector<ServiceEndpoint>& endpoints,
                             std::size_t self)
    : VariableScope(
          set, [&endpoints](std::size_t i) -> const ServiceEndpoint& { return endpoints[i]; },
          self) {}

std::vector<std::string> VariableScope::known_names() const {
  std::vector<std::string> names{"port", "host", "url", "tmpdir", "config_dir", "log_file", "name"};
  for (const auto& [p, _] : endpoint_of_(self_).ports) names.push_back("ports." + p);
  for (const auto& [v, _] : set_.vars) names.push_back("vars." + v);
  for (std::size_t i = 0; i < set_.services.size(); ++i) {
    const std::string prefix = "services." + set_.services[i].name + ".";
    for (const char* field : {"port", "host", "url", "tmpdir", "log_file"}) {
      names.push_back(prefix);
      names.back() += field;
    }
    for (const auto& [p, _] : endpoint_of_(i).ports) {
      names.push_back(prefix);
      names.back() += "ports.";
      names.back() += p;
    }
  }
  return names;
}

namespace {

std::string field_of(const ServiceEndpoint& e, const std::string& field, const std::string& service,
                     const std::string& variable, const std::string& path, bool* known) {
  *known = true;
  auto no_port = [&]() -> std::string {
    config_error(path, "${" + variable + "}: service \"" + service +
                           "\" has no \"port\" (add \"port\": \"auto\" to it)");
  };
  if (field == "port") return e.port ? std::to_string(*e.port) : no_port();
  if (field == "url") return e.port ? endpoint_url(e) : no_port();
  if (field == "host") return e.host;
  if (field == "tmpdir") return e.tmpdir.string();
  if (field == "log_file") return e.log_file.string();
  if (field.rfind("ports.", 0) == 0) {
    auto it = e.ports.find(field.substr(6));
    if (it != e.ports.end()) return std::to_string(it->second);
  }
  *known = false;
  return {};
}

}  // namespace

std::string VariableScope::resolve(const std::string& name, const std::string& path) {
  const ServiceSpec& self = set_.services[self_];
  bool known = false;
  std::string value = field_of(endpoint_of_(self_), name, self.name, name, path, &known);
  if (known) return value;
  if (name == "config_dir") return set_.config_dir.string();
  if (name == "name") return self.name;
  if (name.rfind("services.", 0) == 0) return resolve_service_field(name, path);
  if (name.rfind("vars.", 0) == 0) return resolve_var(name.substr(5), path);
  if (name.rfind("env.", 0) == 0) {
    std::string var = name.substr(4);
    std::optional<std::string> fallback;
    if (auto sep = var.find(":-"); sep != std::string::npos) {
      fallback = var.substr(sep + 2);
      var.resize(sep);
    }
    // The runner's environment, read once while the set is built (concurrent setenv() in the
    // user's code would be the user's race).
    if (const char* v = std::getenv(var.c_str())) return v;  // NOLINT(concurrency-mt-unsafe)
    if (fallback) return *fallback;
    config_error(path, "${" + name + "}: environment variable " + var +
                           " is not set (write ${env." + var + ":-default} to give a default)");
  }
  config_error(path, "unknown variable ${" + name + "}" + did_you_mean(name, known_names()));
}

std::string VariableScope::resolve_service_field(const std::string& name, const std::string& path) {
  const std::string rest = name.substr(9);
  const auto dot = rest.find('.');
  const std::string service = rest.substr(0, dot);
  for (std::size_t i = 0; i < set_.services.size(); ++i) {
    if (set_.services[i].name != service || dot == std::string::npos) continue;
    bool known = false;
    std::string value =
        field_of(endpoint_of_(i), rest.substr(dot + 1), service, name, path, &known);
    if (known) {
      if (i != self_) referenced_.insert(i);
      return value;
    }
  }
  config_error(path, "unknown variable ${" + name + "}" + did_you_mean(name, known_names()));
}

std::string VariableScope::resolve_var(const std::string& var, const std::string& path) {
  auto it = set_.vars.find(var);
  if (it == set_.vars.end()) {
    config_error(
        path, "unknown variable ${vars." + var + "}" + did_you_mean("vars." + var, known_names()));
  }
  if (auto known = var_values_.find(var); known != var_values_.end()) return known->second;
  if (std::find(var_stack_.begin(), var_stack_.end(), var) != var_stack_.end()) {
    std::string loop;
    for (const auto& v : var_stack_) loop += v + " -> ";
    config_error(it->second.path, "variables refer to each other in a loop: " + loop + var);
  }
  var_stack_.push_back(var);
  // A var is expanded where it is used: ${port} inside it is the using service's port.
  std::string value = expand(it->second.value, it->second.path,
                             [&](const std::string& n) { return resolve(n, it->second.path); });
  var_stack_.pop_back();
  var_values_[var] = value;
  return value;
}

namespace {

class Resolution {
 public:
  Resolution(const SetSpec& set, const EndpointOf& endpoint_of, std::size_t self)
      : set_(set),
        spec_(set.services[self]),
        endpoint_(endpoint_of(self)),
        scope_(set, endpoint_of, self) {}

  std::string text(const Text& t) {
    return expand(t.value, t.path, [&](const std::string& n) { return scope_.resolve(n, t.path); });
  }

  std::filesystem::path path(const Text& t, const std::filesystem::path& base) {
    std::filesystem::path p = text(t);
    return p.is_relative() ? base / p : p;
  }

  // Relative programs ("./server") are found next to the JSON file; bare names use PATH.
  Command command(const CommandSpec& c) {
    if (c.is_line && spec_.options.shell) {
      std::string script = shell_script(
          c.args[0].value, c.path, [&](const std::string& n) { return scope_.resolve(n, c.path); });
      try {
        return Command(script);  // keeps the line verbatim for messages
      } catch (const std::invalid_argument&) {
        // Valid shell need not split like shlex (here-docs...): the shell runs argv[0] as is.
        return Command(std::vector<std::string>{std::move(script)});
      }
    }
    std::vector<std::string> argv;
    if (c.is_line) {
      argv = expand_command_line(c.args[0].value, c.path,
                                 [&](const std::string& n) { return scope_.resolve(n, c.path); });
      if (argv.empty()) config_error(c.path, "the command is empty after expansion");
    } else {
      for (const auto& arg : c.args) argv.push_back(text(arg));
    }
    if (argv[0].find('/') != std::string::npos && std::filesystem::path(argv[0]).is_relative()) {
      argv[0] = (set_.config_dir / argv[0]).lexically_normal().string();
    }
    return Command(std::move(argv));
  }

  int port_number(const Text& t) {
    const std::string value = text(t);
    try {
      std::size_t used = 0;
      const int port = std::stoi(value, &used);
      if (used == value.size() && port >= 1 && port <= 65535) return port;
    } catch (const std::exception&) {
    }
    config_error(t.path, "expected a port number (1-65535), got \"" + value + "\"");
  }

  void check_regex(const std::string& pattern, const std::string& path) {
    // The engine the probes use (RE2): what it refuses is refused here, before anything starts.
    const std::string error = detail::regex_error(pattern);
    if (!error.empty()) config_error(path, "invalid regex \"" + pattern + "\": " + error);
  }

  Options options() {
    Options o = spec_.options;
    for (const auto& [name, value] : spec_.env) o.env[name] = text(value);
    if (!spec_.cwd.empty()) o.cwd = path(spec_.cwd, set_.config_dir);
    o.log_file = spec_.log_file.empty() ? endpoint_.log_file
                                        : path(spec_.log_file, endpoint_.log_file.parent_path());
    return o;
  }

  // The executors reject some combinations themselves (a banner on a stream that is not
  // captured, a socket path over the kernel's limit): those are mistakes in the JSON too.
  std::unique_ptr<SimpleExecutor> executor(Command cmd, Options o) {
    o.retries = 0;  // the set retries each attempt itself (lifecycle.cpp)
    try {
      return make_executor(std::move(cmd), o);
    } catch (const std::invalid_argument& e) {
      config_error(spec_.ready.path.empty() ? spec_.path : spec_.ready.path, e.what());
    }
  }

  const std::set<std::size_t>& referenced() const { return scope_.referenced(); }

  // "health": the probe "ready" would build from the same syntax.
  std::unique_ptr<Probe> health(const Options& o) {
    const ReadySpec& r = spec_.health.check;
    const std::filesystem::path base = o.cwd.empty() ? set_.config_dir : o.cwd;
    try {
      if (r.kind != ReadyKind::All && r.kind != ReadyKind::Any) return part_probe(r, base, o);
      std::vector<std::unique_ptr<Probe>> parts;
      for (const auto& part : r.parts) parts.push_back(part_probe(part, base, o));
      return r.kind == ReadyKind::All ? all_of(std::move(parts)) : any_of(std::move(parts));
    } catch (const std::invalid_argument& e) {
      config_error(spec_.health.path, e.what());
    }
  }

 private:
  std::unique_ptr<SimpleExecutor> make_executor(Command cmd, const Options& o) {
    const ReadySpec& r = spec_.ready;
    // Files and sockets a service creates are relative to its working directory.
    const std::filesystem::path base = o.cwd.empty() ? set_.config_dir : o.cwd;
    switch (r.kind) {
      case ReadyKind::None:
        return std::make_unique<SimpleExecutor>(std::move(cmd), o);
      case ReadyKind::Output:
        return std::make_unique<OutputExecutor>(std::move(cmd), banner(r), o, r.streams, r.times);
      case ReadyKind::Tcp: {
        const std::string host = r.host.empty() ? spec_.host : text(r.host);
        return std::make_unique<TcpExecutor>(std::move(cmd), host, ready_port(r), o);
      }
      case ReadyKind::Http:
        return std::make_unique<HttpExecutor>(std::move(cmd), http_url(r), http_check(r), o);
      case ReadyKind::UnixSocket:
        try {
          return std::make_unique<UnixSocketExecutor>(std::move(cmd), path(r.file, base), o);
        } catch (const std::invalid_argument& e) {
          config_error(r.file.path, e.what());  // the path is the mistake: name it
        }
      case ReadyKind::File:
        return std::make_unique<PidExecutor>(std::move(cmd), path(r.file, base), o,
                                             r.require_content);
      case ReadyKind::Exec:
        return std::make_unique<ExecProbeExecutor>(std::move(cmd), command(r.check), o);
      case ReadyKind::All:
      case ReadyKind::Any: {
        std::vector<std::unique_ptr<Probe>> parts;
        for (const auto& part : r.parts) parts.push_back(part_probe(part, base, o));
        auto probe = r.kind == ReadyKind::All ? all_of(std::move(parts)) : any_of(std::move(parts));
        return std::make_unique<Executor>(std::move(cmd), std::move(probe), o);
      }
    }
    return nullptr;
  }

  // One part of "all" / "any": the probe the single kind's executor would use.
  std::unique_ptr<Probe> part_probe(const ReadySpec& r, const std::filesystem::path& base,
                                    const Options& o) {
    switch (r.kind) {
      case ReadyKind::Output: {
        const bool out = r.streams != OutputStreams::Stderr && o.stdout_mode == Stdio::Capture;
        const bool err = r.streams != OutputStreams::Stdout && o.stderr_mode == Stdio::Capture;
        if (!out && !err) {
          config_error(r.path,
                       "the banner is watched on a stream that is not captured (set "
                       "\"stdout\" / \"stderr\" to \"capture\")");
        }
        return make_output_probe(banner(r), r.streams, r.times);
      }
      case ReadyKind::Tcp:
        return make_tcp_probe(r.host.empty() ? spec_.host : text(r.host), ready_port(r));
      case ReadyKind::Http:
        return make_http_probe(http_url(r), http_check(r));
      case ReadyKind::UnixSocket:
        try {
          return make_unix_socket_probe(path(r.file, base));
        } catch (const std::invalid_argument& e) {
          config_error(r.file.path, e.what());
        }
      case ReadyKind::File:
        return make_file_probe(path(r.file, base), r.require_content);
      case ReadyKind::Exec:
        return make_exec_probe(command(r.check), o);
      default:
        config_error(r.path, "\"all\" / \"any\" cannot be nested");
    }
  }

  std::string banner(const ReadySpec& r) {
    std::string banner = text(r.banner);
    check_regex(banner, r.banner.path);
    return banner;
  }

  HttpCheck http_check(const ReadySpec& r) {
    HttpCheck check;
    if (!r.status.empty()) {
      check.status = text(r.status);
      check_regex(check.status, r.status.path);
    }
    check.method = r.method;
    for (const auto& [name, value] : r.headers) check.headers[name] = text(value);
    if (!r.body.empty()) check.body = text(r.body);
    return check;
  }

  std::string http_url(const ReadySpec& r) {
    if (r.url.empty()) {
      if (!endpoint_.port) config_error(r.path, "needs \"url\" (the service has no \"port\")");
      return endpoint_url(endpoint_) + "/";
    }
    std::string url = text(r.url);
    if (url.rfind("http://", 0) != 0) {
      config_error(r.url.path, "expected an http:// URL, got \"" + url + "\"");
    }
    return url;
  }

  int ready_port(const ReadySpec& r) {
    if (!r.port.empty()) return port_number(r.port);
    if (!endpoint_.port) {
      config_error(r.path, "needs a port: give the service a \"port\" or set \"port\" here");
    }
    return *endpoint_.port;
  }

  const SetSpec& set_;
  const ServiceSpec& spec_;
  const ServiceEndpoint& endpoint_;
  VariableScope scope_;
};

}  // namespace

ResolvedService resolve_service(const SetSpec& set, const EndpointOf& endpoint_of,
                                std::size_t self) {
  Resolution r(set, endpoint_of, self);
  const ServiceSpec& spec = set.services[self];
  ResolvedService out;
  out.options = r.options();
  for (const auto& setup : spec.setup) out.setup.push_back(r.command(setup));
  out.executor = r.executor(r.command(spec.command), out.options);
  if (spec.health.check.kind != ReadyKind::None) out.health = r.health(out.options);
  out.referenced = r.referenced();
  return out;
}

}  // namespace mirakuru::detail
