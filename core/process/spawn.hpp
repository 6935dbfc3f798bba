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

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "process/spawn_stage.hpp"

namespace mirakuru::detail {

enum class StdioMode { Pipe, Inherit, Null };

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH (below) unless it has a '/'
  std::vector<std::string> env;   // "NAME=value", the child's whole environment
  std::string path;               // the child's PATH, for the lookup
  std::string cwd;                // empty: inherit
  StdioMode out = StdioMode::Pipe;
  StdioMode err = StdioMode::Pipe;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  int stop_signal = 15;
  int kill_signal = 9;
  std::chrono::milliseconds orphan_grace{500};  // grace used when the runner disappears
};

struct SpawnFailure {
  int error = 0;                         // errno
  SpawnStage stage = SpawnStage::kExec;  // stage_name() gives "chdir", "execve", ...
};

// The runner's side of a started process. Descriptors are O_CLOEXEC; -1 when not used.
struct Spawned {
  pid_t guardian = -1;
  pid_t pid = -1;       // the service (its own session and group leader)
  int control_fd = -1;  // runner -> guardian (write end); closing it orphans the tree
  int status_fd = -1;   // guardian -> runner: GuardianMessage records, non-blocking
  int out_fd = -1;      // service stdout (read end, non-blocking) when piped
  int err_fd = -1;      // service stderr (read end, non-blocking) when piped
};

// Spawns `request` under a new guardian. On failure every descriptor is closed and the guardian
// reaped before returning the failure. Thread-safe.
bool spawn(const SpawnRequest& request, Spawned& out, SpawnFailure& failure);

// Runner <-> guardian protocol: fixed-size records (atomic on pipes).
struct ControlMessage {
  enum Op : std::int32_t { kSignalGroup = 1, kSignalAll = 2, kStop = 3 };
  std::int32_t op;
  std::int32_t signal;       // kSignal*: the signal; kStop: the first signal
  std::int32_t kill_signal;  // kStop: sent when the grace period ran out
  std::int32_t grace_ms;     // kStop
};

struct GuardianMessage {
  enum Type : std::int32_t { kPid = 1, kExited = 2, kDone = 3 };
  std::int32_t type;
  std::int32_t value;      // kPid: the service pid; kExited/kDone: returncode (-N: signal N)
  std::int32_t escalated;  // kDone: 1 when kill_signal had to be sent
  std::int32_t reserved;
};

// Runs the guardian in the freshly forked child; never returns. Async-signal-safe only.
[[noreturn]] void guardian_main(const SpawnRequest& request, const char* const* argv,
                                const char* const* envp, const char* const* candidates,
                                int control_fd, int status_fd, int exec_error_fd, int out_fd,
                                int err_fd);

}  // namespace mirakuru::detail
