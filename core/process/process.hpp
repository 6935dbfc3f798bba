// The state of one started process, shared by its executor and the output pump thread.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>

#include "mirakuru/options.hpp"
#include "process/guardian_handle.hpp"
#include "process/guardian_protocol.hpp"
#include "process/output_ring.hpp"

namespace mirakuru::detail {

// Receives every captured byte, in order, on the pump thread: (stream, bytes, false) for each
// read, then (stream, {}, true) once the stream reached EOF. Called outside the state lock.
using OutputHook = std::function<void(Stream, std::string_view bytes, bool end)>;

class Process {
 public:
  Process(std::size_t output_limit, int log_fd, OutputHook hook)
      : out_(output_limit), err_(output_limit), log_fd_(log_fd), hook_(std::move(hook)) {}
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Set once by the spawning thread before the pump sees the process; the executor's thread
  // reaps it (see GuardianHandle for what is safe from other threads).
  GuardianHandle guardian;
  int open_outputs = 0;
  // The output pipes as the pump holds them (pump thread only; -1 once closed), so that an exit
  // report can first drain what the process wrote before it exited.
  int pump_fds[2] = {-1, -1};

  // --- called by the pump thread ---
  void on_output(Stream stream, const char* data, std::size_t size);
  void on_output_eof(Stream stream);
  void on_status(const GuardianMessage& message);
  void on_status_eof();

  // --- observers (any thread) ---
  struct Snapshot {
    bool exited;
    int returncode;
    bool done;       // the guardian finished (everything dead and reaped) or vanished
    bool escalated;  // kill_signal was needed
    bool outputs_closed;
    bool guardian_lost;  // the guardian vanished without reporting (killed from outside)
    bool status_closed;  // the pump has closed the guardian's status pipe
  };
  Snapshot snapshot() const;
  std::string output(Stream stream) const;
  std::uint64_t events() const;
  // Waits until events() != seen or `until`; updates seen. True when something happened.
  bool wait_event(std::chrono::steady_clock::time_point until, std::uint64_t& seen) const;
  // Counts as an event: wakes every wait_event()/wait_until() (an interrupted start()).
  void wake();
  // Waits until `pred(snapshot)` or `until`. True when pred held.
  bool wait_until(const std::function<bool(const Snapshot&)>& pred,
                  std::chrono::steady_clock::time_point until) const;
  // When it returns, the previous hook is no longer running nor called.
  void set_hook(OutputHook hook);

  // The runner's side of a stop (the guardian runs the sequence itself): asks the guardian for
  // `plan`, waits until it reports done — bounded by plan.deadline_from(now), which only a
  // guardian killed from outside misses — then kills directly what it cannot reach any more,
  // reaps the guardian and waits briefly until the pump has released the pipes. Call it from
  // the process that spawned it (in a forked copy the handle does nothing).
  struct StopOutcome {
    bool unresponsive = false;  // the guardian did not finish in time: killed directly
    bool lost = false;          // the guardian was killed from outside: its group was killed
  };
  StopOutcome stop(const StopPlan& plan);

 private:
  void bump_locked();
  void call_hook(Stream stream, std::string_view bytes, bool end);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t events_ = 0;
  bool exited_ = false;
  int returncode_ = 0;
  bool done_ = false;
  bool escalated_ = false;
  bool guardian_lost_ = false;
  bool status_closed_ = false;
  int closed_outputs_ = 0;
  OutputRing out_;
  OutputRing err_;
  int log_fd_;
  // The hook has a lock of its own: what it does (a banner match) must never hold up the
  // waiters and observers of mutex_ (start(), stop(), output()).
  std::mutex hook_mutex_;
  OutputHook hook_;
};

}  // namespace mirakuru::detail
