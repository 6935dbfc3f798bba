// Spawning a supervised process: the small interface over the platform code (spawn.posix.cpp,
// guardian.linux.cpp).
//
// Every process is started under its own guardian: a forked child of the runner that makes
// itself a child subreaper, forks the service into a new session, and from then on
//   - reports the service's exit (without reaping it, so its pgid cannot be reused),
//   - adopts every descendant that double-forks or setsids away (subreaper),
//   - runs the stop sequence on request (signal all → grace → kill_signal → reap, leader last),
//   - runs that same sequence on its own when the runner's control pipe closes — the runner
//     died, however it died.
// The runner reaps only the guardian, by pid; it never waits for anything else.
#pragma once

#include "process/guardian_handle.hpp"
#include "process/listen_events.hpp"
#include "process/spawn_request.hpp"

namespace mirakuru::detail {

// The runner's side of a started process. The pipes are O_CLOEXEC and non-blocking, -1 when not
// used; they go to the output pump at once (which closes them at EOF).
struct Spawned {
  GuardianHandle guardian;
  int status_fd = -1;   // guardian -> runner: GuardianMessage records
  int out_fd = -1;      // service stdout (read end) when piped
  int err_fd = -1;      // service stderr (read end) when piped
  ListenReport listen;  // with SpawnRequest::listen_events: the notification descriptor, or why not
};

// Spawns `request` under a new guardian. On failure every descriptor is closed and the guardian
// reaped before returning the failure. Thread-safe.
bool spawn(const SpawnRequest& request, Spawned& out, SpawnFailure& failure);

// Where execvp would look for `program` with this PATH, in order (just `program` when it has a
// '/'; an empty PATH entry is the current directory).
std::vector<std::string> path_candidates(const std::string& program, const std::string& path);

}  // namespace mirakuru::detail
