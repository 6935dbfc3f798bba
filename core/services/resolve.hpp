// Turning one parsed service into its executor: variables expanded, paths made absolute,
// regexes checked, the executor that `ready` names built.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mirakuru/probe.hpp"
#include "mirakuru/simple_executor.hpp"
#include "services/spec.hpp"

namespace mirakuru::detail {

// What ${services.NAME.*} and endpoints() report for one service.
struct ServiceEndpoint {
  std::optional<int> port;
  std::map<std::string, int> ports;
  std::string host;
  std::filesystem::path tmpdir;
  std::filesystem::path log_file;
};

// "http://HOST:PORT" (IPv6 hosts in brackets); "" without a port.
std::string endpoint_url(const ServiceEndpoint& endpoint);

// Service i's endpoint (i: an index into SetSpec::services), wherever the set keeps them.
using EndpointOf = std::function<const ServiceEndpoint&(std::size_t)>;

// Resolves the variables of service `self` (an index into set.services).
class VariableScope {
 public:
  VariableScope(const SetSpec& set, EndpointOf endpoint_of, std::size_t self);
  // `endpoints` by index, outliving the scope.
  VariableScope(const SetSpec& set, const std::vector<ServiceEndpoint>& endpoints,
                std::size_t self);

  // The value of ${name}; throws ConfigError naming `path` for an unknown variable (with "did
  // you mean"), an unset ${env.X} without default, or a port the service does not have.
  std::string resolve(const std::string& name, const std::string& path);

  // Other services whose endpoints were used so far (directly or through vars).
  const std::set<std::size_t>& referenced() const { return referenced_; }

 private:
  std::string resolve_service_field(const std::string& name, const std::string& path);
  std::string resolve_var(const std::string& var, const std::string& path);
  std::vector<std::string> known_names() const;

  const SetSpec& set_;
  EndpointOf endpoint_of_;
  std::size_t self_;
  std::set<std::size_t> referenced_;
  std::vector<std::string> var_stack_;  // vars being expanded: catches vars that refer in a loop
  std::map<std::string, std::string> var_values_;  // each var is expanded once per service
};

struct ResolvedService {
  std::unique_ptr<SimpleExecutor> executor;  // built with retries = 0: the set retries (it may
                                             // give an auto port a new number in between)
  std::vector<Command> setup;                // run with `options` before the executor starts
  Options options;                           // as configured, retries included
  std::unique_ptr<Probe> health;             // "health": null without one
  std::set<std::size_t> referenced;
};

// Throws ConfigError naming the JSON path of whatever cannot be resolved or is invalid.
ResolvedService resolve_service(const SetSpec& set, const EndpointOf& endpoint_of,
                                std::size_t self);

}  // namespace mirakuru::detail
