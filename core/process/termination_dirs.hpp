// Directories the termination handler removes once it has stopped every process
// (termination.posix.cpp). The handler ends the runner by re-raising the signal, so no destructor
// runs after it: whoever owns a scratch directory registers it here for that case, and keeps
// removing it itself on the normal path.
//
// Paths only, no callbacks: the handler's thread must never call into an object another thread
// may be destroying. The owner's decisions (what to keep for inspection) are pushed in with
// keep() as they are made.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace mirakuru::detail {

// Registers `dir` (removed whole at termination) for as long as it lives. Move-only. The
// destructor only unregisters: removing the directory on the normal path is the owner's job.
// A default-constructed one registers nothing. Thread-safe.
class CleanupRegistration {
 public:
  CleanupRegistration() = default;
  explicit CleanupRegistration(const std::filesystem::path& dir);
  ~CleanupRegistration();
  CleanupRegistration(CleanupRegistration&& other) noexcept;
  CleanupRegistration& operator=(CleanupRegistration&& other) noexcept;
  CleanupRegistration(const CleanupRegistration&) = delete;
  CleanupRegistration& operator=(const CleanupRegistration&) = delete;

  // Paths inside the directory to leave in place (with everything under them) and log, instead
  // of removing: a failed service's tmpdir, kept for inspection. Replaces the previous list.
  // Ignored once a termination began (freeze_cleanups()).
  void keep(std::vector<std::filesystem::path> paths);

 private:
  std::uint64_t id_ = 0;
};

// Called when the termination signal arrives, before anything is stopped: from then on keep()
// changes nothing, so a service that fails *because* the handler stopped it is not kept.
void freeze_cleanups();

// True once freeze_cleanups() was called in this process: a termination is under way, and a
// directory registered from now on may already have missed run_cleanups() (its creator removes
// it itself).
bool cleanups_frozen();

// Removes every registered directory this process (getpid()) registered, except the kept
// paths (logged at warn level with their location), and forgets them: each registration is acted
// on at most once, later calls skip it. Returns how many directories were handled. Never throws;
// a failure to remove is logged. Thread-safe: a registration being destroyed meanwhile waits.
std::size_t run_cleanups() noexcept;

}  // namespace mirakuru::detail
