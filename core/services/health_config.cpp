// The keys that say what happens when a service fails or falters: "retries" / "retry_delay" on a
// start that failed, "health" for a service that runs.
#include <string>
#include <vector>

#include "executors/retry.hpp"
#include "services/config_parser.hpp"
#include "services/json_reader.hpp"
#include "services/scalars.hpp"

namespace mirakuru::detail {

namespace {

constexpr std::chrono::milliseconds kMinInterval{10};
constexpr std::chrono::milliseconds kMaxInterval{std::chrono::hours(1)};
constexpr int kMaxFailures = 1000;

// A banner is an event, not a state: a health check must be able to fail again later.
void refuse_output(const ReadySpec& check) {
  if (check.kind == ReadyKind::Output) {
    config_error(check.path,
                 "\"output\" cannot be a health check: a banner is seen once, it cannot fail "
                 "later. Use tcp, http, unix_socket, file or exec");
  }
  for (const auto& part : check.parts) refuse_output(part);
}

}  // namespace

const std::vector<std::string>& health_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = ready_keys();
    k.emplace_back("interval");
    k.emplace_back("failures");
    return k;
  }();
  return keys;
}

HealthSpec parse_health(const nlohmann::json& value, const std::string& path) {
  JsonObject o(value, path, health_keys());
  HealthSpec health;
  health.path = path;
  if (const auto* v = o.find("interval")) {
    health.interval = duration_from_json(*v, o.path("interval"));
    if (health.interval < kMinInterval || health.interval > kMaxInterval) {
      config_error(o.path("interval"), "the interval must be within 10ms and 1h, got " + v->dump());
    }
  }
  if (const auto* v = o.find("failures")) {
    health.failures = static_cast<int>(integer_from_json(
        *v, o.path("failures"), 1, kMaxFailures, "how many failed checks in a row are unhealthy"));
  }
  nlohmann::json check = value;
  check.erase("interval");
  check.erase("failures");
  if (check.empty()) {
    config_error(path,
                 "missing the check: one of tcp, http, unix_socket, file, exec (or all, any), as "
                 "in \"ready\"");
  }
  health.check = parse_ready(check, path);
  refuse_output(health.check);
  return health;
}

void parse_retries(const nlohmann::json& service, const std::string& path, ServiceSpec& spec) {
  if (const auto it = service.find("retries"); it != service.end()) {
    spec.options.retries = static_cast<int>(integer_from_json(
        *it, json_child(path, "retries"), 0, kMaxRetries, "a number of retries (0 to 100)"));
  }
  if (const auto it = service.find("retry_delay"); it != service.end()) {
    const std::string at = json_child(path, "retry_delay");
    spec.options.retry_delay = duration_from_json(*it, at);
    if (spec.options.retry_delay > kMaxRetryDelay) {
      config_error(at, "the retry delay must be at most 1h, got " + it->dump());
    }
  }
}

}  // namespace mirakuru::detail
