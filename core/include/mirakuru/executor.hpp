// mirakuru/executor.hpp — an executor that waits until its process is ready.
//
//   class MyExecutor : public mirakuru::Executor {        // the Python mirakuru way
//    public:
//     using Executor::Executor;
//     bool pre_start_check() override { return port_taken(); }   // -> AlreadyRunning
//     bool after_start_check() override { return answers(); }    // ready?
//   };
//
// or compose a Probe (see probe.hpp): mirakuru::Executor ex(cmd, std::make_unique<MyProbe>()).
//
// start(): throws AlreadyRunning when pre_start_check() is true (nothing is started). Otherwise
// spawns and waits until after_start_check() is true, within Options::timeout measured from the
// call (one deadline for everything). Meanwhile:
// - the process exiting non-zero or by a signal is ProcessExitedWithError at once (within
//   milliseconds), with the exit code and the output tail;
// - the process exiting 0 may have daemonized (pg_ctl start): the wait goes on, unless the probe
//   says it can never succeed;
// - at the deadline: TimeoutExpired with what the probe last saw and the output tail.
// On any error, the process tree is killed and reaped before start() throws.
//
// Restarting (stop() then start(), or stopped()) waits for readiness again; nothing seen during
// an earlier run counts. When the probe wants lines, Executor owns SimpleExecutor's line hook.
// Threads: as SimpleExecutor (start() blocks the calling thread only; other executors may start
// in parallel from other threads).
#pragma once

#include <cstddef>
#include <memory>

#include "mirakuru/probe.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

namespace detail {
struct LineTap;
}

class Executor : public SimpleExecutor {
 public:
  // Without a probe: ready as soon as it is spawned, unless a subclass overrides the checks.
  Executor(Command command, Options options = {});
  // `probe` must not be null (std::invalid_argument).
  Executor(Command command, std::unique_ptr<Probe> probe, Options options = {});
  ~Executor() override;  // kills what still runs, like SimpleExecutor; never throws
  Executor(Executor&&) noexcept;
  Executor& operator=(Executor&&) noexcept;  // kills what `this` runs first

  // Blocks until ready (see above). Throws AlreadyRunning, SpawnError, ProcessExitedWithError,
  // TimeoutExpired, or ExecutorError when the probe reports it can never succeed while the
  // process still runs (e.g. it closed the output a banner was expected on). With
  // Options::retries, each of those but SpawnError is retried with a fresh process (each attempt
  // has the whole Options::timeout, attempts are Options::retry_delay apart, and each failed
  // attempt is logged as a warning); the final error is the last attempt's type and lists every
  // attempt.
  // On a running executor it does nothing (no check, no wait) and returns *this, like Python
  // mirakuru. Polling probes are asked with the backoff of
  // Options::poll_initial / poll_max; output probes only when output arrives; TCP, HTTP and unix
  // socket probes right after each listen() of the service's tree (Options::listen_events).
  // See <mirakuru/probe.hpp> for the schedule.
  Executor& start() override;

  // Default: the probe's occupied(), or false without a probe.
  virtual bool pre_start_check();
  // Default: the probe's check() is Ready, or true without a probe. An override returning
  // false is polled like a probe.
  virtual bool after_start_check();

  Probe* probe() const { return probe_.get(); }
  // What the last readiness check saw ("HTTP 503"); empty before the first check.
  const ProbeResult& last_check() const { return last_; }
  // How many readiness checks the last start() made (the lateness/CPU trade of polling).
  std::size_t checks() const { return checks_; }

 private:
  Executor& start_attempt();  // one attempt of start(): spawn and wait
  void pause_before_retry() const;
  [[noreturn]] void fail_exited(int code, std::chrono::steady_clock::time_point started);
  [[noreturn]] void fail_never(std::chrono::steady_clock::time_point started);
  [[noreturn]] void fail_timeout();
  std::string waiting_for() const;
  void drain_output() const;  // lets the last output reach the tail, briefly

  std::shared_ptr<Probe> probe_;          // shared with the output thread's line hook
  std::shared_ptr<detail::LineTap> tap_;  // null unless the probe wants lines
  ProbeResult last_;
  std::size_t checks_ = 0;  // readiness checks made by the current start(), for messages
};

}  // namespace mirakuru
