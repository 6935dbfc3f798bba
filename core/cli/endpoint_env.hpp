// The endpoint environment: how a set's endpoints reach a program in any language.
//   MIRAKURU_<NAME>_PORT, _HOST, _URL, _TMPDIR, _PORT_<PORTNAME>, and MIRAKURU_ENDPOINTS (the
//   endpoints JSON). NAME and PORTNAME are upper-cased, every other non-alphanumeric becomes '_'.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace mirakuru::cli {

// "api-v2.db" -> "API_V2_DB".
std::string env_name_part(const std::string& name);

// The variables for ServiceSet::endpoints() `endpoints` (a service without a port gets no
// _PORT/_URL). Sorted by name.
std::map<std::string, std::string> endpoint_environment(const nlohmann::json& endpoints);

}  // namespace mirakuru::cli
