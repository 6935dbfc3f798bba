// The runner <-> guardian wire format and the entry points of the two forked children. Private
// to core/process: the runner side speaks it only through GuardianHandle (guardian_handle.hpp)
// and the output pump (which decodes GuardianMessage records into Process).
//
// Records are fixed-size and smaller than PIPE_BUF, so each write is atomic on the pipe.
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>

#include "process/spawn_request.hpp"

namespace mirakuru::detail {

// Runner -> guardian, on the control pipe. Its EOF means the runner is gone.
struct ControlMessage {
  enum Op : std::int32_t { kSignalGroup = 1, kSignalAll = 2, kStop = 3 };
  std::int32_t op;
  std::int32_t signal;       // kSignal*: the signal; kStop: the first signal
  std::int32_t kill_signal;  // kStop: sent when the grace period ran out
  std::int32_t reserved;
  std::int64_t grace_ms;  // kStop: >= 0, already saturated (StopPlan); INT64_MAX: no limit
};
static_assert(sizeof(ControlMessage) == 24, "one atomic pipe record, no padding");

// Guardian -> runner, on the status pipe.
struct GuardianMessage {
  enum Type : std::int32_t { kPid = 1, kExited = 2, kDone = 3 };
  std::int32_t type;
  std::int32_t value;      // kPid: the service pid; kExited/kDone: returncode (-N: signal N)
  std::int32_t escalated;  // kDone: 1 when kill_signal had to be sent
  std::int32_t reserved;
};

// ---- the forked children: async-signal-safe code only (no allocation, no lock) --------------

// The signals whose disposition the guardian changes (ignored, or SIGCHLD's no-op handler): the
// service child resets exactly these before exec.
inline constexpr int kGuardianSignals[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,
                                           SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};

// Writes all of `data`, retrying on EINTR; gives up silently when the reader is gone.
void write_all(int fd, const void* data, std::size_t size);

// Sends a child's failure {stage, errno} on `fd` (the exec-error pipe), then _exit(127).
[[noreturn]] void child_fail(int fd, SpawnStage stage, int error);

// The service child (service_child.linux.cpp): new session, stdio, cwd, user, descriptors,
// signal defaults, then execve over `candidates` (execvp semantics). Never returns. `listen_fd`
// (-1: none) is where install_listen_filter() reports.
[[noreturn]] void service_main(const SpawnRequest& request, const char* const* argv,
                               const char* const* envp, const char* const* candidates,
                               int exec_error_fd, int out_fd, int err_fd, int listen_fd);

// The guardian (guardian.linux.cpp), run in the freshly forked child; never returns.
[[noreturn]] void guardian_main(const SpawnRequest& request, const char* const* argv,
                                const char* const* envp, const char* const* candidates,
                                int control_fd, int status_fd, int exec_error_fd, int out_fd,
                                int err_fd, int listen_fd);

}  // namespace mirakuru::detail
