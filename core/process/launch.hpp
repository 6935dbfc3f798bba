// Turning Options into a SpawnRequest: the environment, PATH, the user to run as.
#pragma once

#include "mirakuru/command.hpp"
#include "mirakuru/options.hpp"
#include "process/spawn.hpp"

namespace mirakuru::detail {

// Builds the request for `command` under `options`. Throws SpawnError for what can be known
// before forking (an unknown user, a user switch without root).
SpawnRequest make_spawn_request(const Command& command, const Options& options);

}  // namespace mirakuru::detail
