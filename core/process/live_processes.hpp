// The runner's list of live processes, for whoever must stop them all at once (the termination
// handler, see termination.posix.cpp) — the executors themselves never need it.
//
// A process is registered by its GuardianHandle (enroll) once its guardian runs, and
// unregistered by the handle *before* its control descriptor is closed, so a descriptor taken
// from the table under its lock is never a recycled number.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <vector>

#include "process/guardian_protocol.hpp"
#include "process/stop_plan.hpp"

namespace mirakuru::detail {

class Process;

// Registers `process` under the pid that started it (`owner`), with its guardian's control
// descriptor (open until unregister_process()) and its stop plan. Called by GuardianHandle only.
// Thread-safe.
void register_process(const std::shared_ptr<Process>& process, pid_t owner, int control_fd,
                      const StopPlan& plan);

// Forgets `process`. Called before its control descriptor is closed. Thread-safe; unknown
// processes are ignored.
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
