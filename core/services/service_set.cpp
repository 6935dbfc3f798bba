// mirakuru::ServiceSet: construction (validation, ports, tmpdirs) and the read-only accessors.
// start()/stop() live in lifecycle.cpp.
#include "mirakuru/service_set.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "process/log.hpp"
#include "services/config_parser.hpp"
#include "services/description.hpp"
#include "services/json_reader.hpp"
#include "services/scratch.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru {

namespace detail {

namespace {

std::atomic<unsigned> set_counter{0};

// Two services asking for the same fixed port could never run together.
void reject_duplicate_ports(const SetSpec& spec) {
  std::map<int, std::string> seen;
  auto check = [&](const PortSpec& port) {
    if (port.automatic) return;
    auto [it, inserted] = seen.emplace(port.fixed, port.path);
    if (!inserted) {
      config_error(port.path, "port " + std::to_string(port.fixed) + " is already used by " +
                                  it->second + " (use \"auto\" to get a free port)");
    }
  };
  for (const auto& s : spec.services) {
    if (s.port) check(*s.port);
    for (const auto& [_, p] : s.ports) check(p);
  }
}

void assign_ports(ServiceSet::Impl& impl, std::size_t i) {
  const ServiceSpec& s = impl.spec.services[i];
  std::vector<PortReservation> leases;
  ServiceEndpoint& e = impl.services[i].endpoint;
  auto take = [&](const PortSpec& p) {
    if (!p.automatic) return p.fixed;
    try {
      leases.push_back(reserve_port());
    } catch (const std::runtime_error& err) {
      config_error(p.path, err.what());
    }
    return leases.back().port();
  };
  if (s.port) e.port = take(*s.port);
  for (const auto& [name, p] : s.ports) e.ports[name] = take(p);
  impl.services[i].leases =
      std::move(leases);  // the old reservations (if any) are released only now
}

}  // namespace

std::unique_ptr<ServiceSet::Impl> build_service_set(const SetDescription& description,
                                                    const std::filesystem::path& base_dir) {
  auto impl = std::make_unique<ServiceSet::Impl>();
  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::absolute(base_dir.empty() ? std::filesystem::path(".") : base_dir, ec)
          .lexically_normal();
  impl->spec = set_spec(description, dir);
  impl->graph = build_graph(impl->spec.services);
  reject_duplicate_ports(impl->spec);

  const std::size_t n = impl->spec.services.size();
  impl->services.resize(n);
  try {
    impl->keep = keep_tmpdirs_setting();
  } catch (const std::invalid_argument& e) {
    throw ConfigError("", e.what());
  }
  impl->owner = ::getpid();  // from here on, ~Impl removes the directories
  make_tmpdirs(*impl);
  const unsigned sequence = ++set_counter;
  const std::filesystem::path logs = log_dir();
  for (std::size_t i = 0; i < n; ++i) {
    const ServiceSpec& s = impl->spec.services[i];
    ServiceEndpoint& e = impl->services[i].endpoint;
    e.host = s.host;
    e.log_file = logs / log_file_name(s.name, sequence);
    assign_ports(*impl, i);
  }
  for (std::size_t i = 0; i < n; ++i) {
    impl->services[i].resolved = resolve_service(impl->spec, impl->endpoint_of(), i);
  }
  for (std::size_t i : impl->graph.order) impl->names.push_back(impl->spec.services[i].name);
  logger()->debug("service set with {} services in {}", n, impl->roots.front().dir.string());
  return impl;
}

void reassign_auto_ports(ServiceSet::Impl& impl, std::size_t i,
                         const std::vector<std::size_t>& also) {
  assign_ports(impl, i);
  impl.services[i].resolved = resolve_service(impl.spec, impl.endpoint_of(), i);
  for (std::size_t j : also)
    impl.services[j].resolved = resolve_service(impl.spec, impl.endpoint_of(), j);
}

}  // namespace detail

std::size_t ServiceSet::Impl::index(const std::string& name) const {
  auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) {
    if (attached) return static_cast<std::size_t>(it - names.begin());
    for (std::size_t i = 0; i < spec.services.size(); ++i) {
      if (spec.services[i].name == name) return i;
    }
  }
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw std::out_of_range("no service \"" + name + "\" in this set" +
                          detail::did_you_mean(name, names) + "; services: " + known);
}

const detail::ServiceEndpoint& ServiceSet::Impl::endpoint(const std::string& name) const {
  return services[index(name)].endpoint;
}

detail::EndpointOf ServiceSet::Impl::endpoint_of() const {
  return [this](std::size_t i) -> const detail::ServiceEndpoint& { return services[i].endpoint; };
}

namespace {

ServiceSet::Impl& checked(const std::unique_ptr<ServiceSet::Impl>& impl) {
  if (!impl) throw std::logic_error("use of a moved-from mirakuru::ServiceSet");
  return *impl;
}

// Runs start()/stop() of the set, then publishes the failures they marked, even when they throw.
template <typename Step>
void with_published_failures(ServiceSet::Impl& impl, Step step) {
  try {
    step();
  } catch (...) {
    detail::publish_failures(impl);
    throw;
  }
  detail::publish_failures(impl);
}

}  // namespace

ServiceSet::ServiceSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServiceSet::ServiceSet(ServiceSet&&) noexcept = default;
ServiceSet& ServiceSet::operator=(ServiceSet&&) noexcept = default;
ServiceSet::~ServiceSet() = default;

ServiceSet ServiceSet::from_file(const std::filesystem::path& path) {
  auto config = detail::parse_json_text(detail::read_config_file(path), path.string());
  std::error_code ec;
  auto dir = std::filesystem::absolute(path, ec).parent_path();
  try {
    return ServiceSet(detail::build_service_set(detail::describe_set(config), dir));
  } catch (const ConfigError& e) {
    throw ConfigError(e.json_path(), path.string() + ": " + e.what());
  }
}

ServiceSet ServiceSet::from_json(const nlohmann::json& config,
                                 const std::filesystem::path& base_dir) {
  return ServiceSet(detail::build_service_set(detail::describe_set(config), base_dir));
}

ServiceSet ServiceSet::from_description(const SetDescription& description,
                                        const std::filesystem::path& base_dir) {
  return ServiceSet(detail::build_service_set(description, base_dir));
}

ServiceSet ServiceSet::from_string(std::string_view text, const std::filesystem::path& base_dir) {
  return from_json(detail::parse_json_text(text, "<string>"), base_dir);
}

ServiceSet& ServiceSet::start() {
  Impl& impl = checked(impl_);
  with_published_failures(impl, [&] { detail::start_services(impl); });
  return *this;
}

ServiceSet& ServiceSet::stop() {
  Impl& impl = checked(impl_);
  with_published_failures(impl, [&] { detail::stop_services(impl, /*rethrow=*/true); });
  return *this;
}

bool ServiceSet::running() const {
  const Impl& impl = checked(impl_);
  if (impl.attached) return true;
  return std::all_of(impl.services.begin(), impl.services.end(),
                     [](const Impl::Service& s) { return s.resolved.executor->running(); });
}

bool ServiceSet::healthy(const std::string& name) const {
  const Impl& impl = checked(impl_);
  const std::size_t i = impl.index(name);
  if (impl.attached) return true;
  return impl.services[i].resolved.executor->running() && impl.health.state(name).healthy;
}

ServiceHealth ServiceSet::health(const std::string& name) const {
  const Impl& impl = checked(impl_);
  impl.index(name);  // std::out_of_range for an unknown name
  return impl.attached ? ServiceHealth{} : impl.health.state(name);
}

int ServiceSet::port(const std::string& name) const {
  const auto& e = checked(impl_).endpoint(name);
  if (!e.port) {
    throw std::out_of_range("service \"" + name + "\" has no \"port\"" +
                            (e.ports.empty() ? "" : " (it has named \"ports\")"));
  }
  return *e.port;
}

int ServiceSet::port(const std::string& name, const std::string& port_name) const {
  const auto& e = checked(impl_).endpoint(name);
  auto it = e.ports.find(port_name);
  if (it == e.ports.end()) {
    std::vector<std::string> known;
    for (const auto& [p, _] : e.ports) known.push_back(p);
    throw std::out_of_range("service \"" + name + "\" has no port named \"" + port_name + "\"" +
                            detail::did_you_mean(port_name, known));
  }
  return it->second;
}

std::string ServiceSet::host(const std::string& name) const {
  return checked(impl_).endpoint(name).host;
}

std::string ServiceSet::url(const std::string& name) const {
  const auto& e = checked(impl_).endpoint(name);
  if (!e.port) throw std::out_of_range("service \"" + name + "\" has no \"port\", hence no url");
  return detail::endpoint_url(e);
}

std::filesystem::path ServiceSet::tmpdir(const std::string& name) const {
  return checked(impl_).endpoint(name).tmpdir;
}

ServiceSet& ServiceSet::set_tmpdir_mode(const std::string& name, std::filesystem::perms mode) {
  Impl& impl = checked(impl_);
  const std::size_t i = impl.index(name);
  if (impl.attached) throw std::logic_error("set_tmpdir_mode(): this ServiceSet is attached");
  const auto bits = static_cast<unsigned>(mode);
  if (bits < 0700 || bits > 0777) {
    throw std::invalid_argument("set_tmpdir_mode(\"" + name +
                                "\"): the mode must be within 0700-0777 (the owner keeps rwx)");
  }
  for (const auto& service : impl.services) {
    if (service.resolved.executor->running()) {
      throw std::logic_error("set_tmpdir_mode(\"" + name + "\"): stop the set first");
    }
  }
  impl.health.stop();  // its probes are about to be rebuilt
  std::lock_guard lock(impl.mutex);
  detail::move_tmpdir(impl, i, mode);
  return *this;
}

std::filesystem::path ServiceSet::log_file(const std::string& name) const {
  const Impl& impl = checked(impl_);
  if (impl.attached) return impl.endpoint(name).log_file;
  return impl.services[impl.index(name)].resolved.options.log_file;
}

SimpleExecutor& ServiceSet::executor(const std::string& name) {
  Impl& impl = checked(impl_);
  if (impl.attached) {
    throw std::logic_error("executor(\"" + name +
                           "\"): this ServiceSet is attached to services another process runs");
  }
  std::lock_guard lock(impl.mutex);
  return *impl.services[impl.index(name)].resolved.executor;
}

const SimpleExecutor& ServiceSet::executor(const std::string& name) const {
  return const_cast<ServiceSet*>(this)->executor(name);
}

nlohmann::json ServiceSet::endpoints() const {
  const Impl& impl = checked(impl_);
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t k = 0; k < impl.names.size(); ++k) {
    const std::string& name = impl.names[k];
    const auto& e = impl.endpoint(name);
    nlohmann::json entry;
    entry["port"] = e.port ? nlohmann::json(*e.port) : nlohmann::json(nullptr);
    entry["ports"] = e.ports;
    entry["host"] = e.host;
    entry["url"] = detail::endpoint_url(e);
    entry["tmpdir"] = e.tmpdir.string();
    entry["log_file"] = log_file(name).string();
    entry["order"] = k;
    out[name] = std::move(entry);
  }
  return out;
}

ServiceSet ServiceSet::attach(const nlohmann::json& endpoints) {
  if (!endpoints.is_object()) {
    throw ConfigError("", "/: attach() expects the object endpoints() returned, got " +
                              detail::describe_json(endpoints));
  }
  auto impl = std::make_unique<Impl>();
  impl->attached = true;
  std::vector<std::pair<std::size_t, std::string>> order;
  try {
    for (const auto& item : endpoints.items()) {
      const auto& v = item.value();
      detail::ServiceEndpoint e;
      if (v.contains("port") && !v.at("port").is_null()) e.port = v.at("port").get<int>();
      if (v.contains("ports")) e.ports = v.at("ports").get<std::map<std::string, int>>();
      e.host = v.value("host", "127.0.0.1");
      e.tmpdir = v.value("tmpdir", "");
      e.log_file = v.value("log_file", "");
      order.emplace_back(v.value("order", std::size_t{0}), item.key());
      impl->services.emplace_back().endpoint = std::move(e);
      impl->names.push_back(item.key());
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("", std::string("/: not an endpoints() object: ") + e.what());
  }
  // Publish in start order, as the owner reported it.
  std::vector<std::size_t> perm(order.size());
  for (std::size_t k = 0; k < perm.size(); ++k) perm[k] = k;
  std::stable_sort(perm.begin(), perm.end(),
                   [&](std::size_t a, std::size_t b) { return order[a].first < order[b].first; });
  std::vector<Impl::Service> services_sorted;
  std::vector<std::string> names_sorted;
  for (std::size_t k : perm) {
    services_sorted.push_back(std::move(impl->services[k]));
    names_sorted.push_back(impl->names[k]);
  }
  impl->services = std::move(services_sorted);
  impl->names = std::move(names_sorted);
  return ServiceSet(std::move(impl));
}

bool ServiceSet::attached() const { return checked(impl_).attached; }

std::vector<std::string> ServiceSet::names() const { return checked(impl_).names; }

std::size_t ServiceSet::size() const { return checked(impl_).names.size(); }

}  // namespace mirakuru
