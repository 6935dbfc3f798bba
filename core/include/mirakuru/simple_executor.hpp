// mirakuru/simple_executor.hpp — start a process, stop it, and leave nothing behind.
//
//   mirakuru::SimpleExecutor sleeper("sleep 300");
//   sleeper.start();            // returns as soon as the process is exec'd
//   sleeper.stop();             // SIGTERM to its group, waits, SIGKILL if needed, reaps
//
// What every executor guarantees:
// - The process runs in its own session and process group, stdin is /dev/null, and it
//   inherits no descriptor of the runner but 0/1/2.
// - It is supervised by a tiny per-process guardian (a forked child of the runner that is a
//   child subreaper): descendants that double-fork or setsid are still tracked and killed by
//   stop(), and if the runner dies — SIGKILL included — the guardian kills everything within a
//   second. See docs/cleanup.md.
// - Captured output is drained continuously by one shared event thread into a ring of the
//   newest Options::output_limit bytes per stream (and into Options::log_file in full).
// - Exec failures are thrown by start() itself, at once, as SpawnError with errno.
//
// Threads: different executors may be used from different threads at once. On one executor:
// - The mutating calls (start, stop, kill, signal, wait, stopped, move, destruction) must be
//   serialized by the caller: one at a time, from one thread at a time. interrupt_start() is
//   the exception: any thread, any time.
// - The observers (running, pid, returncode, output, err_output, output_tail, output_mark,
//   wait_for_output, command, options) may be called from other threads while the owning thread
//   runs start(), stop(), kill(), signal() or wait() — not during a move or the destructor. Each
//   call is safe on its own and answers for one run (the one before or the one after a start(),
//   never freed memory), but only for its moment: stop() and kill() write the state that pid()
//   and running() read while they work. pid() turns -1 once stop()/kill() reaped the process,
//   before they return, and running() turns false as soon as it exited, so two observer calls
//   may disagree, and a pid() read on another thread during a stop() or kill() may name a
//   process already reaped, its number free for reuse. Only the thread that makes the mutating
//   calls may pass pid() to ::kill(); other threads ask it to (or it calls signal()).
//   Outside start()/stop()/kill() pid() does not change: a process that exits by itself turns
//   running() false but keeps its pid(), whose number stays reserved (the guardian reaps it
//   only in stop()/kill()) — never -1 in the background.
//
// Forks: a forked copy of the runner (a GoogleTest death test, user code) never stops or kills
// the parent's processes — not from stop()/kill(), not from destructors.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mirakuru/command.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/options.hpp"
#include "mirakuru/output_wait.hpp"
#include "mirakuru/probe.hpp"  // ListeningSocket

namespace mirakuru {

class Executor;
class SimpleExecutor;
namespace detail {
class Process;
}

// Returned by SimpleExecutor::stopped(): the executor is stopped while the guard lives and
// started again (through the virtual start(), so readiness is awaited again) when it dies.
class [[nodiscard]] ScopedStop {
 public:
  ScopedStop(ScopedStop&& other) noexcept;
  ScopedStop& operator=(ScopedStop&&) = delete;
  ScopedStop(const ScopedStop&) = delete;
  ~ScopedStop();  // restarts; never throws (a failed restart is logged as an error)

  // Restarts now instead of at destruction; throws what start() throws. Idempotent.
  void resume();

 private:
  friend class SimpleExecutor;
  explicit ScopedStop(SimpleExecutor* executor) : executor_(executor) {}
  SimpleExecutor* executor_;  // null: nothing to restart
};

class SimpleExecutor {
 public:
  SimpleExecutor(Command command, Options options = {});
  virtual ~SimpleExecutor();  // kills the process and its descendants if still running; never
                              // throws

  SimpleExecutor(SimpleExecutor&& other) noexcept;
  SimpleExecutor& operator=(SimpleExecutor&& other) noexcept;  // kills what `this` runs first
  SimpleExecutor(const SimpleExecutor&) = delete;
  SimpleExecutor& operator=(const SimpleExecutor&) = delete;
  // Moving a readiness executor into a SimpleExecutor would slice its probe off.
  SimpleExecutor(Executor&&) = delete;
  SimpleExecutor& operator=(Executor&&) = delete;

  // Spawns the process and returns at once (readiness executors override this to wait).
  // Throws SpawnError when exec fails (at once, with errno). On a running executor it does
  // nothing and returns *this (like Python mirakuru). Clears output(), err_output() and
  // returncode() of any earlier run.
  virtual SimpleExecutor& start();

  // Thread-safe, from any thread, never throws: makes a start() in progress on another thread
  // stop waiting, kill what it started and throw StartInterrupted — within milliseconds, also
  // while a readiness check runs (probes see it through Probe::interrupted()). Returns false,
  // and does nothing, when no start() is in progress: an interrupt is never kept for a later
  // start(). A ServiceSet uses it to abandon the services still starting when one failed.
  bool interrupt_start() noexcept;

  // Sends `sig` (default Options::stop_signal) to the process group and to every tracked
  // descendant, waits up to Options::stop_timeout (default: timeout), then sends kill_signal
  // (logged as a warning, not thrown). Returns when the process, its group and all tracked
  // descendants are dead and reaped. Throws ProcessFinishedWithError when the exit code is not
  // the expected one (default: 0, or death by `sig`; `expected_returncode` overrides
  // Options::expected_returncode). Does nothing when not started.
  SimpleExecutor& stop(std::optional<int> sig = {}, std::optional<int> expected_returncode = {});

  // Sends `sig` (default Options::kill_signal) to the group and all tracked descendants. With
  // wait, returns once everything is dead and reaped (escalating to SIGKILL if `sig` was not
  // enough within the stop timeout). Never throws on exit codes.
  SimpleExecutor& kill(bool wait = true, std::optional<int> sig = {});
  // kill(SIGTERM) would silently mean kill(wait=true): use signal(SIGTERM) or kill(true, SIGTERM).
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  SimpleExecutor& kill(T, std::optional<int> = {}) = delete;

  // Sends `sig` to the process group, nothing else. No-op when not running.
  SimpleExecutor& signal(int sig);

  // Waits up to `timeout` for the process to exit by itself; returns returncode() or nullopt
  // on timeout (the process keeps running).
  std::optional<int> wait(std::chrono::milliseconds timeout);

  bool running() const;                   // started and not yet exited
  pid_t pid() const;                      // -1 before start() and after stop()/kill()
  std::optional<int> returncode() const;  // like Popen.returncode: -N when killed by signal N
  std::string output() const;             // captured stdout so far (newest output_limit bytes)
  std::string err_output() const;         // captured stderr so far

  // The last `max_lines` lines / `max_bytes` bytes of stdout and stderr, each labelled with the
  // stream and the command, for error messages ("" when nothing was captured). Any thread.
  std::string output_tail(std::size_t max_lines = 20, std::size_t max_bytes = 4096) const;

  [[nodiscard]] ScopedStop stopped();  // stops now, starts again when the guard dies

  // --- what the process prints, line by line (<mirakuru/gmock.hpp> is built on these) ---
  // Lines are cut and matched as banners are (make_output_probe()): RE2, regex_search on each
  // complete line of stdout or stderr (the last, unterminated one once the stream ended).

  // The current position in the output (see OutputMark). Never blocks on the process.
  OutputMark output_mark() const;

  // Waits until a line completed after `from` (default: since the current start) matches
  // `regex`: lines printed before the call are looked at first (as far as the capture ring still
  // holds them), then each new line as the output thread cuts it — event-driven, no polling.
  // Returns at the first match, at the timeout, or at once when the process exits or its output
  // ends first (OutputWait::outcome says which); a timeout of zero looks only at what is already
  // there. Any number of threads may wait on one executor at once; the matching runs on the
  // output thread, never under a lock that start() or stop() take.
  // Throws std::invalid_argument for an invalid regex (naming the pattern and the reason) and
  // for a mark taken from another executor.
  OutputWait wait_for_output(const std::string& regex, std::chrono::milliseconds timeout,
                             const std::optional<OutputMark>& from = std::nullopt) const;

  const Command& command() const { return command_; }
  const Options& options() const { return options_; }

 protected:
  // --- for readiness executors (Executor and its subclasses) ---
  // (stream, bytes, false) for each read of captured output, then (stream, {}, true) at EOF.
  using OutputHook = std::function<void(Stream, std::string_view bytes, bool end)>;

  // Installs a hook called on the output thread with every captured byte of the current process
  // and of every process started from now on. Empty: none. When set_output_hook() returns, the
  // previous hook is no longer called (so a destructor can detach what the hook points to). The
  // hook runs outside the process's state lock but delays every executor's output while it
  // runs: it must be quick (linear in the bytes) and must not call back into the executor.
  void set_output_hook(OutputHook hook);

  // Blocks until something happened (new output, the process exited or ended its output) or
  // `until`. `seen` is the caller's event counter: returns true at once when events happened
  // since the caller last saw `seen`, and updates it.
  bool wait_for_event(std::chrono::steady_clock::time_point until, std::uint64_t& seen) const;

  // True once the process has exited (its wait status is known), until the next start().
  bool exited() const;
  // True once every captured stream reached EOF.
  bool output_closed() const;

  // Listen events (Options::listen_events): asks that the processes started from now on report
  // their tree's listen() calls, for a probe that waits for a port or a socket. listens() is
  // how many the current process's tree made so far (each also counts as an event for
  // wait_for_event()); nullopt when they are not reported (not asked, opted out, or the kernel
  // refused). listen_no_new_privs(): the current process runs with no_new_privs, set for them.
  void want_listen_events(bool wanted) { want_listen_events_ = wanted; }
  std::optional<std::uint64_t> listens() const;
  bool listen_no_new_privs() const;
  // The TCP sockets the current process's tree made listen (through listen events), from the
  // `from`-th on, in the order of the calls: complete for every call listens() has counted
  // (the first 256 of a run are kept). Sockets of another network namespace are not listed.
  std::vector<ListeningSocket> listening(std::size_t from) const;

  // Kills the process tree at once and reaps it (for failed starts). Never throws.
  void kill_quietly() noexcept;

  // Marks a start() (an override's, which may call SimpleExecutor::start() inside) as in
  // progress for interrupt_start() while it lives.
  class StartScope {
   public:
    explicit StartScope(SimpleExecutor& executor);
    ~StartScope();
    StartScope(const StartScope&) = delete;
    StartScope& operator=(const StartScope&) = delete;

   private:
    SimpleExecutor& executor_;
  };
  // True once interrupt_start() reached the start() in progress.
  bool start_interrupted() const;
  // Kills what this start() started and throws StartInterrupted, naming `waited`.
  [[noreturn]] void fail_interrupted(std::chrono::milliseconds waited);

 private:
  friend class ScopedStop;
  void stop_impl(int sig, std::optional<int> expected, bool throw_on_code);
  std::shared_ptr<detail::Process> current() const;  // for observers on any thread
  std::shared_ptr<detail::Process> replace_process(std::shared_ptr<detail::Process> next) noexcept;

  Command command_;
  Options options_;
  mutable std::mutex process_mutex_;  // guards process_ (observers copy it) and the two below
  int start_depth_ = 0;               // start() calls in progress (an override's and the base's)
  bool start_interrupted_ = false;    // interrupt_start() reached the start() in progress
  std::shared_ptr<detail::Process> process_;  // null before the first start()
  std::uint64_t serial_;                      // which executor an OutputMark belongs to
  OutputHook output_hook_;
  bool want_listen_events_ = false;
};

}  // namespace mirakuru
