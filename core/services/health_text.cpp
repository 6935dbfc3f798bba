// describe_health_change(): the one wording of "why it turned unhealthy" for the keeper's events
// and the GoogleTest layer's failures.
#include <string>

#include "mirakuru/service_set.hpp"

namespace mirakuru {

std::string describe_health_change(const ServiceHealth& health) {
  std::string text;
  if (health.healthy) {
    text = "its health checks (" + health.check + ") failed, then passed again";
  } else if (health.failures_in_a_row == 1) {
    // `"failures": 1` turns a service unhealthy on its first failed check: "1 health checks in a
    // row failed" would be wrong English and no count is worth saying.
    text = "its health check failed (" + health.check + ")";
  } else {
    text = std::to_string(health.failures_in_a_row) + " health checks in a row failed (" +
           health.check + ")";
  }
  if (!health.last_result.empty()) text += "; last check: " + health.last_result;
  return text;
}

}  // namespace mirakuru
