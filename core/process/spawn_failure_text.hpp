// What a failed spawn means, in words: see spawn_failure_text.cpp.
#pragma once

#include <string>

#include "process/spawn_request.hpp"

namespace mirakuru::detail {

// "STAGE failed: MESSAGE (errno N); WHAT TO DO" (SpawnError's cause; what() puts
// "cannot start 'CMD': " in front). Looks at the file system (which PATH entry exists, a #!
// line), never throws for what it cannot read.
std::string describe_spawn_failure(const SpawnRequest& request, const SpawnFailure& failure);

}  // namespace mirakuru::detail
