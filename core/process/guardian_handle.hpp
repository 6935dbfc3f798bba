// The runner's side of one guardian (see spawn.hpp for what a guardian does): a move-only owner
// of the guardian's pid, the control descriptor and the process's entry in the table of live
// processes (live_processes.hpp). Everything the runner says to a guardian goes through here.
//
// Forks: a forked copy of the runner holds a copy of the handle but owns nothing — every
// request from a copy is a no-op (owned() is false there).
//
// Threads: request_stop/signal_* and the observers may be called from any thread; reap() and
// the moves are serialized by the owner (the executor). The table may write to the descriptor
// from the termination handler's thread: reap() leaves the table before closing it, so a
// recycled descriptor number is never written.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>

#include "process/stop_plan.hpp"

namespace mirakuru::detail {

class Process;

class GuardianHandle {
 public:
  GuardianHandle() = default;
  // Takes ownership of `control_fd` (the write end of the control pipe, O_CLOEXEC).
  GuardianHandle(pid_t guardian, pid_t leader, int control_fd) noexcept;
  GuardianHandle(GuardianHandle&& other) noexcept;
  GuardianHandle& operator=(GuardianHandle&& other) noexcept;
  GuardianHandle(const GuardianHandle&) = delete;
  GuardianHandle& operator=(const GuardianHandle&) = delete;
  // Leaves the table and closes the control descriptor; never waits. A guardian not reaped by
  // then sees EOF and stops its tree on its own (the orphan plan), like after a runner crash.
  ~GuardianHandle();

  // The service (its own session and group leader); -1 for an empty handle.
  pid_t leader() const { return leader_; }
  // True from spawn until reap(). Safe from any thread.
  bool active() const { return guardian_.load(std::memory_order_acquire) > 0; }
  // True in the process that spawned it (false in a forked copy of the runner).
  bool owned() const;

  // Enters the table of live processes: install_termination_handler() then stops `process`
  // with `plan`. At most once; reap() (or the destructor) leaves it.
  void enroll(const std::shared_ptr<Process>& process, const StopPlan& plan);

  // Asks the guardian to run `plan` (signal all → grace → kill_signal → SIGKILL → reap, leader
  // last). Its kDone record arrives on the status pipe. False when the guardian is gone.
  bool request_stop(const StopPlan& plan) const;
  // `sig` to the service's process group only.
  bool signal_group(int sig) const;
  // `sig` to the group and every adopted descendant.
  bool signal_all(int sig) const;
  // The last resort, when the guardian did not finish or vanished: SIGKILL to the service's
  // process group and (until reaped) to the guardian itself.
  void kill_directly() const;

  // Blocks until the guardian exits and reaps it, then leaves the table and closes the control
  // descriptor. Call it once the guardian reported kDone (or after kill_directly()).
  void reap();

 private:
  bool send(const ControlMessage& message) const;
  void release() noexcept;

  std::atomic<pid_t> guardian_{-1};
  pid_t leader_ = -1;
  pid_t owner_ = -1;
  int control_fd_ = -1;
  const Process* enrolled_ = nullptr;  // the key of its entry in the table
};

}  // namespace mirakuru::detail
