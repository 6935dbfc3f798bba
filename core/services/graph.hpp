// depends_on: validation (unknown names, cycles) and the orders services start and stop in.
#pragma once

#include <cstddef>
#include <vector>

#include "services/spec.hpp"

namespace mirakuru::detail {

struct DependencyGraph {
  std::vector<std::vector<std::size_t>> deps;        // deps[i]: services i waits for
  std::vector<std::vector<std::size_t>> dependents;  // dependents[i]: services that wait for i
  std::vector<std::size_t> order;                    // a start order: dependencies first
  std::vector<std::size_t> depth;                    // longest chain of dependencies below i
};

// Indices are positions in `services`. Throws ConfigError naming the depends_on entry on an
// unknown service (with "did you mean"), a service depending on itself, or a cycle (named in
// full: "a -> b -> a").
DependencyGraph build_graph(const std::vector<ServiceSpec>& services);

}  // namespace mirakuru::detail
