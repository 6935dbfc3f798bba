// Turning Options into a SpawnRequest: the environment, PATH, the user to run as.
#pragma once

#include "mirakuru/command.hpp"
#include "mirakuru/options.hpp"
#include "process/spawn.hpp"

namespace mirakuru::detail {

// Builds the request for `command` under `options`. Throws SpawnError for what can be known
// before forking (an unknown user, a user switch without root).
SpawnRequest make_spawn_request(const Command& command, const Options& options);

// Refuses options that cannot work, with std::invalid_argument naming the field
// ("Options::stop_signal: 999 is not a signal..."): an environment name that is empty or holds
// '=', a signal outside 1..SIGRTMAX, a NUL byte hidden in a string the kernel would cut there.
void validate_options(const Options& options);

}  // namespace mirakuru::detail
