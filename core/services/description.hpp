// SetDescription -> SetSpec: the one way into a service set, for C++ descriptions and for JSON
// (config_parser.cpp turns JSON into a SetDescription first).
//
// JSON owns what only JSON can get wrong (types, unknown keys, malformed text); everything a
// C++ description can get wrong too is checked here, once, with the JSON path the mistake would
// have in the equivalent JSON.
#pragma once

#include <filesystem>
#include <string>

#include "mirakuru/service_description.hpp"
#include "services/spec.hpp"

namespace mirakuru::detail {

// Reaches the ReadySpec a ReadyCheck holds. Stored specs have paths relative to the check
// (the kind at "/tcp", a part of all_of at "/all/0/..."), placed under a root when built.
struct DescriptionAccess {
  // `spec` has paths under `root` (the JSON parser's "/services/NAME/ready"; "" for factories).
  static ReadyCheck make(ReadySpec spec, const std::string& root);
  // The check's spec with its paths under `root` (empty check: kind None).
  static ReadySpec spec(const ReadyCheck& check, const std::string& root);
};

// `command` as a CommandSpec whose words are named under `path` (not validated here).
CommandSpec command_spec(const CommandTemplate& command, const std::string& path);

// Validates `description` and gives each value the JSON path it has in the equivalent JSON.
// Throws ConfigError naming that path: invalid names (services, ports, vars, environment
// variables), empty commands, "shell" with an argv command, values out of range, nested
// all/any, output health checks. Variables and dependencies are checked later (resolve.cpp,
// graph.cpp) on the SetSpec.
SetSpec set_spec(const SetDescription& description, const std::filesystem::path& config_dir);

}  // namespace mirakuru::detail
