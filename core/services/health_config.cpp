// "health": a readiness check repeated while the service runs, plus "interval" and "failures".
#include <string>
#include <vector>

#include "services/config_parser.hpp"
#include "services/description.hpp"
#include "services/json_reader.hpp"
#include "services/limits.hpp"

namespace mirakuru::detail {

const std::vector<std::string>& health_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = ready_keys();
    k.emplace_back("interval");
    k.emplace_back("failures");
    return k;
  }();
  return keys;
}

HealthCheck parse_health(const nlohmann::json& value, const std::string& path) {
  JsonObject o(value, path, health_keys());
  HealthCheck health;
  if (const auto* v = o.find("interval")) health.interval = health_interval(*v, o.path("interval"));
  if (const auto* v = o.find("failures")) health.failures = health_failures(*v, o.path("failures"));
  nlohmann::json check = value;
  check.erase("interval");
  check.erase("failures");
  if (check.empty()) {
    config_error(path,
                 "missing the check: one of tcp, http, unix_socket, file, exec (or all, any), as "
                 "in \"ready\"");
  }
  health.check = DescriptionAccess::make(parse_ready(check, path), path);
  return health;
}

}  // namespace mirakuru::detail
