// GoogleTest death tests and services: a death-test child must not start or stop anything, so
// the parent publishes its services' endpoints in the environment (which the "threadsafe"
// style's re-executed child inherits) and the child attaches to them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mirakuru::gtest::detail {

// The variable holding {"pid": PARENT_PID, "scopes": {KEY: ServiceSet::endpoints()}}.
inline constexpr const char* kEndpointsVariable = "MIRAKURU_GTEST_ENDPOINTS";

// True in a GoogleTest death-test child (--gtest_internal_run_death_test is set).
bool in_death_test_child();

// Parent side: adds / removes the scope `key` in the published variable. Main thread only
// (setenv).
void publish(const std::string& key, const nlohmann::json& endpoints);
void unpublish(const std::string& key);

// Child side: the endpoints the parent published for `key`, if the parent published any
// (a variable left by another process — not our parent — is ignored).
std::optional<nlohmann::json> published(const std::string& key);

}  // namespace mirakuru::gtest::detail
