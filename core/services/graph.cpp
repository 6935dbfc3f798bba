#include "services/graph.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <string>

#include "services/json_reader.hpp"

namespace mirakuru::detail {

namespace {

// Depth-first search for a cycle; reports it through the depends_on entry that closes it.
void reject_cycles(const std::vector<ServiceSpec>& services, const DependencyGraph& graph) {
  enum class Mark { New, Active, Done };
  std::vector<Mark> mark(services.size(), Mark::New);
  std::vector<std::size_t> stack;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    mark[i] = Mark::Active;
    stack.push_back(i);
    for (std::size_t k = 0; k < graph.deps[i].size(); ++k) {
      const std::size_t d = graph.deps[i][k];
      if (mark[d] == Mark::Active) {
        std::string cycle;
        auto from = std::find(stack.begin(), stack.end(), d);
        for (auto it = from; it != stack.end(); ++it) cycle += services[*it].name + " -> ";
        cycle += services[d].name;
        // The entry of services[i].depends_on that names d.
        const auto& names = services[i].depends_on;
        const std::size_t entry =
            std::find(names.begin(), names.end(), services[d].name) - names.begin();
        config_error(json_child(services[i].depends_on_path, entry),
                     "dependency cycle: " + cycle + " (depends_on must form a tree or a DAG)");
      }
      if (mark[d] == Mark::New) visit(d);
    }
    stack.pop_back();
    mark[i] = Mark::Done;
  };
  for (std::size_t i = 0; i < services.size(); ++i) {
    if (mark[i] == Mark::New) visit(i);
  }
}

}  // namespace

DependencyGraph build_graph(const std::vector<ServiceSpec>& services) {
  std::map<std::string, std::size_t> index;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < services.size(); ++i) {
    index[services[i].name] = i;
    names.push_back(services[i].name);
  }
  DependencyGraph graph;
  graph.deps.resize(services.size());
  graph.dependents.resize(services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    const ServiceSpec& s = services[i];
    for (std::size_t k = 0; k < s.depends_on.size(); ++k) {
      const std::string& dep = s.depends_on[k];
      const std::string path = json_child(s.depends_on_path, k);
      auto it = index.find(dep);
      if (it == index.end()) {
        std::string known;
        for (const auto& n : names) {
          if (!known.empty()) known += ", ";
          known += n;
        }
        std::string message = "unknown service \"" + dep + "\"";
        message += did_you_mean(dep, names);
        message += "; services: ";
        message += known;
        config_error(path, message);
      }
      if (it->second == i) config_error(path, "service \"" + dep + "\" depends on itself");
      if (std::find(graph.deps[i].begin(), graph.deps[i].end(), it->second) !=
          graph.deps[i].end()) {
        config_error(path, "\"" + dep + "\" is listed twice");
      }
      graph.deps[i].push_back(it->second);
      graph.dependents[it->second].push_back(i);
    }
  }
  reject_cycles(services, graph);

  // Kahn's algorithm; ties broken by index so the order is stable.
  std::vector<std::size_t> waiting(services.size());
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < services.size(); ++i) {
    waiting[i] = graph.deps[i].size();
    if (waiting[i] == 0) ready.push(i);
  }
  graph.depth.assign(services.size(), 0);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    graph.order.push_back(i);
    for (std::size_t d : graph.dependents[i]) {
      graph.depth[d] = std::max(graph.depth[d], graph.depth[i] + 1);
      if (--waiting[d] == 0) ready.push(d);
    }
  }
  return graph;
}

}  // namespace mirakuru::detail
