// depends_on: start order, depth, unknown names and cycles.
#include "services/graph.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<ServiceSpec> services(std::vector<std::pair<std::string, std::vector<std::string>>> g) {
  std::vector<ServiceSpec> out;
  for (auto& [name, deps] : g) {
    ServiceSpec s;
    s.name = name;
    s.path = "/services/" + name;
    s.depends_on = deps;
    s.depends_on_path = s.path + "/depends_on";
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> order_names(const std::vector<ServiceSpec>& s) {
  std::vector<std::string> names;
  for (std::size_t i : build_graph(s).order) names.push_back(s[i].name);
  return names;
}

TEST(Graph, DependenciesComeFirst) {
  auto s = services({{"api", {"db", "cache"}}, {"cache", {}}, {"db", {}}, {"web", {"api"}}});
  EXPECT_THAT(order_names(s), ElementsAre("cache", "db", "api", "web"));
  auto g = build_graph(s);
  EXPECT_THAT(g.depth, ElementsAre(1, 0, 0, 2));
  EXPECT_THAT(g.dependents[2], ElementsAre(0));
}

TEST(Graph, Diamond) {
  auto s = services({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}});
  EXPECT_THAT(order_names(s), ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(build_graph(s).depth[3], 2u);
}

TEST(Graph, UnknownDependencySuggestsTheName) {
  auto s = services({{"api", {"dbb"}}, {"db", {}}});
  try {
    build_graph(s);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/api/depends_on/0");
    EXPECT_THAT(e.what(), HasSubstr("unknown service \"dbb\" (did you mean \"db\"?)"));
  }
}

TEST(Graph, CycleIsNamedInFull) {
  auto s = services({{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}});
  try {
    build_graph(s);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dependency cycle: a -> c -> b -> a"));
    EXPECT_EQ(e.json_path(), "/services/b/depends_on/0");
  }
}

TEST(Graph, SelfAndDuplicateDependencies) {
  EXPECT_THROW(build_graph(services({{"a", {"a"}}})), ConfigError);
  try {
    build_graph(services({{"a", {}}, {"b", {"a", "a"}}}));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/b/depends_on/1");
    EXPECT_THAT(e.what(), HasSubstr("listed twice"));
  }
}

}  // namespace
}  // namespace mirakuru::detail
