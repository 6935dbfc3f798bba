// The runner's list of live processes, for whoever must stop them all at once (the termination
// handler, see termination.posix.cpp) — the executors themselves never need it.
//
// A process is registered by SimpleExecutor::start() once its guardian runs, and unregistered
// by the stop sequence *before* its control descriptor is closed, so a descriptor taken from
// the registry under its lock is never a recycled number.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <vector>

#include "process/process.hpp"
#include "process/spawn.hpp"

namespace mirakuru::detail {

// How a registered process is stopped when the runner must stop everything.
struct StopPlan {
  int stop_signal = 15;
  int kill_signal = 9;
  std::chrono::milliseconds grace{0};  // before kill_signal
};

// Registers `process` (already spawned: its control_fd is open). Thread-safe.
void register_process(const std::shared_ptr<Process>& process, StopPlan plan);

// Forgets `process`. Call it before closing the process's control descriptor. Thread-safe;
// unknown processes are ignored.
void unregister_process(const Process* process);

struct StopRequest {
  std::shared_ptr<Process> process;
  pid_t pid;                                       // the service (for messages)
  std::chrono::steady_clock::time_point deadline;  // by when its guardian must be done
};

// Asks the guardian of every registered process that this process (getpid()) started and that
// is not finished yet to run its stop sequence with its StopPlan; returns them, so the caller
// can wait for each to be done. Does not wait. Thread-safe; never raises SIGPIPE.
std::vector<StopRequest> request_stop_all();

// Writes one record to a guardian's control pipe. A guardian that is already gone (it finished,
// or someone killed it) makes this return false — it never raises SIGPIPE in the runner.
bool send_control_message(int fd, const ControlMessage& message);

}  // namespace mirakuru::detail
