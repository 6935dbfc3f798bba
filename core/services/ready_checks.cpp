// The value types of mirakuru/service_description.hpp: commands and the ready:: factories. A
// ReadyCheck holds the ReadySpec the JSON parser would make, with paths relative to the check.
#include <functional>
#include <utility>

#include "mirakuru/service_description.hpp"
#include "services/description.hpp"
#include "services/json_reader.hpp"

namespace mirakuru {

CommandTemplate::CommandTemplate(const char* line) : CommandTemplate(std::string(line)) {}
CommandTemplate::CommandTemplate(std::string line) : is_line_(true) {
  words_.push_back(std::move(line));
}
CommandTemplate::CommandTemplate(std::vector<std::string> argv) : words_(std::move(argv)) {}
CommandTemplate::CommandTemplate(std::initializer_list<std::string> argv) : words_(argv) {}

namespace detail {

namespace {

using PathMap = std::function<std::string(const std::string&)>;

void map_paths(CommandSpec& command, const PathMap& map) {
  command.path = map(command.path);
  for (auto& arg : command.args) arg.path = map(arg.path);
}

void map_paths(ReadySpec& spec, const PathMap& map) {
  spec.path = map(spec.path);
  for (Text* t :
       {&spec.banner, &spec.host, &spec.port, &spec.url, &spec.status, &spec.body, &spec.file}) {
    if (!t->empty()) t->path = map(t->path);
  }
  for (auto& [_, header] : spec.headers) header.path = map(header.path);
  if (spec.kind == ReadyKind::Exec) map_paths(spec.check, map);
  for (auto& part : spec.parts) map_paths(part, map);
}

}  // namespace

CommandSpec command_spec(const CommandTemplate& command, const std::string& path) {
  CommandSpec spec;
  spec.path = path;
  spec.is_line = command.is_line();
  for (std::size_t i = 0; i < command.words().size(); ++i) {
    spec.args.push_back({command.words()[i], spec.is_line ? path : json_child(path, i)});
  }
  return spec;
}

ReadyCheck DescriptionAccess::make(ReadySpec spec, const std::string& root) {
  map_paths(spec, [&root](const std::string& p) { return p.substr(root.size()); });
  ReadyCheck check;
  check.spec_ = std::make_shared<const ReadySpec>(std::move(spec));
  return check;
}

ReadySpec DescriptionAccess::spec(const ReadyCheck& check, const std::string& root) {
  if (!check.spec_) return {};
  ReadySpec spec = *check.spec_;
  map_paths(spec, [&root](const std::string& p) { return root + p; });
  return spec;
}

namespace {

ReadySpec kind_at(ReadyKind kind, const char* key) {
  ReadySpec spec;
  spec.kind = kind;
  spec.path = std::string("/") + key;
  return spec;
}

Text field(const ReadySpec& spec, const char* key, std::string value) {
  return {std::move(value), json_child(spec.path, key)};
}

ReadyCheck parts_of(ReadyKind kind, const char* key, const std::vector<ReadyCheck>& checks) {
  ReadySpec spec = kind_at(kind, key);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    spec.parts.push_back(DescriptionAccess::spec(checks[i], json_child(spec.path, i)));
  }
  return DescriptionAccess::make(std::move(spec), "");
}

}  // namespace
}  // namespace detail

namespace ready {

using detail::DescriptionAccess;
using detail::ReadyKind;

ReadyCheck output(std::string banner, int times, OutputStreams streams) {
  auto spec = detail::kind_at(ReadyKind::Output, "output");
  spec.banner = detail::field(spec, "banner", std::move(banner));
  spec.times = times;
  spec.streams = streams;
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck tcp() { return DescriptionAccess::make(detail::kind_at(ReadyKind::Tcp, "tcp"), ""); }

ReadyCheck tcp(std::string host, std::string port) {
  auto spec = detail::kind_at(ReadyKind::Tcp, "tcp");
  spec.host = detail::field(spec, "host", std::move(host));
  spec.port = detail::field(spec, "port", std::move(port));
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck tcp(std::string host, int port) { return tcp(std::move(host), std::to_string(port)); }

ReadyCheck http(std::optional<std::string> url, HttpCheck check) {
  auto spec = detail::kind_at(ReadyKind::Http, "http");
  if (url) spec.url = detail::field(spec, "url", std::move(*url));
  spec.status = detail::field(spec, "status", std::move(check.status));
  spec.method = std::move(check.method);
  for (auto& [name, value] : check.headers) {
    spec.headers[name] = {std::move(value), detail::json_child(spec.path + "/headers", name)};
  }
  if (!check.body.empty()) spec.body = detail::field(spec, "body", std::move(check.body));
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck unix_socket(std::string path) {
  auto spec = detail::kind_at(ReadyKind::UnixSocket, "unix_socket");
  spec.file = detail::field(spec, "path", std::move(path));
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck file(std::string path, bool require_content) {
  auto spec = detail::kind_at(ReadyKind::File, "file");
  spec.file = detail::field(spec, "path", std::move(path));
  spec.require_content = require_content;
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck exec(CommandTemplate command) {
  auto spec = detail::kind_at(ReadyKind::Exec, "exec");
  spec.check = detail::command_spec(command, spec.path + "/command");
  return DescriptionAccess::make(std::move(spec), "");
}

ReadyCheck all_of(std::vector<ReadyCheck> checks) {
  return detail::parts_of(ReadyKind::All, "all", checks);
}

ReadyCheck any_of(std::vector<ReadyCheck> checks) {
  return detail::parts_of(ReadyKind::Any, "any", checks);
}

}  // namespace ready
}  // namespace mirakuru
