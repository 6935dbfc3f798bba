#include "services/critical_chain.hpp"

#include <algorithm>

#include "process/timeline.hpp"

namespace mirakuru::detail {

std::string critical_chain(const std::vector<std::string>& names, const DependencyGraph& graph,
                           const std::vector<ServiceTiming>& timings) {
  if (timings.empty()) return {};
  auto later = [&](std::size_t a, std::size_t b) { return timings[a].ready < timings[b].ready; };
  std::vector<std::size_t> all(timings.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<std::size_t> chain{*std::max_element(all.begin(), all.end(), later)};
  while (!graph.deps[chain.back()].empty()) {
    const auto& deps = graph.deps[chain.back()];
    chain.push_back(*std::max_element(deps.begin(), deps.end(), later));
  }
  std::string text;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!text.empty()) text += " → ";
    text += names[*it] + " " + timeline::millis_text(timings[*it].ready - timings[*it].began);
  }
  return text;
}

}  // namespace mirakuru::detail
