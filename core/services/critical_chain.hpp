// The set's critical chain: the dependency path that bounded its start (systemd-analyze
// critical-chain, process-compose's analyze). Recorded on the timeline's "set" track.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "services/graph.hpp"

namespace mirakuru::detail {

struct ServiceTiming {
  std::chrono::steady_clock::time_point began;  // its dependencies were ready; it began
  std::chrono::steady_clock::time_point ready;  // its start() returned
};

// "db 812.0 ms → api 301.5 ms": from the service that was ready last back through, at each
// step, the dependency that was ready last. Empty without services.
std::string critical_chain(const std::vector<std::string>& names, const DependencyGraph& graph,
                           const std::vector<ServiceTiming>& timings);

}  // namespace mirakuru::detail
