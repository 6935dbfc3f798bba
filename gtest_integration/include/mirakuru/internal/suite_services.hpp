// mirakuru/internal/suite_services.hpp — NOT API, DO NOT USE: what the templates and members of
// <mirakuru/gtest.hpp> need to see of the GoogleTest layer's internals. Names and signatures here
// change without notice; include <mirakuru/gtest.hpp> instead.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <type_traits>
#include <utility>

#include "mirakuru/service_set.hpp"

namespace mirakuru::gtest::detail {

// The state shared by the three scopes (how to build the set, the running set, the published
// endpoints, the last error). Defined in gtest_integration/scope.hpp.
class Scope;

// The non-template half of SuiteServices. `key` identifies the suite's state.
using SetFactory = ServiceSet (*)();
struct SuiteHooks {
  static Scope& scope(const char* key, SetFactory factory);
  static void set_up(Scope& scope);
  static void tear_down(Scope& scope);
  static void fail_if_not_started(Scope& scope);
  static ServiceSet& services(Scope& scope);
};

// What ServicesConfig() returned, as a set: a ServiceSet as is, a nlohmann::json document, a
// SetDescription, or anything a std::filesystem::path is made from (a file).
template <typename Config>
ServiceSet make_set(Config&& config) {
  using T = std::decay_t<Config>;
  if constexpr (std::is_same_v<T, ServiceSet>) {
    return std::forward<Config>(config);
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return ServiceSet::from_json(config);
  } else if constexpr (std::is_same_v<T, SetDescription>) {
    return ServiceSet::from_description(config);
  } else {
    static_assert(std::is_constructible_v<std::filesystem::path, Config>,
                  "ServicesConfig() must return a file path, a nlohmann::json, a "
                  "mirakuru::SetDescription or a ServiceSet");
    return ServiceSet::from_file(std::filesystem::path(std::forward<Config>(config)));
  }
}

}  // namespace mirakuru::gtest::detail
