// The state of one started process, shared by its executor and the output pump thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "mirakuru/options.hpp"
#include "process/guardian_handle.hpp"
#include "process/guardian_protocol.hpp"
#include "process/listen_events.hpp"
#include "process/output_ring.hpp"

namespace mirakuru::detail {

class OutputLines;  // core/executors: the run's lines, for SimpleExecutor::wait_for_output()

// Receives every captured byte, in order, on the pump thread: (stream, bytes, false) for each
// read, then (stream, {}, true) once the stream reached EOF. Called outside the state lock.
using OutputHook = std::function<void(Stream, std::string_view bytes, bool end)>;

class Process {
 public:
  // `watch` sees the same bytes as the hook, right after it, and `exit_watch` is called (outside
  // the state lock) once the exit is known — then again at each later status report. Both are
  // fixed for the life of the process (so they need no lock of their own) and must be quick.
  Process(std::size_t output_limit, int log_fd, OutputHook hook, OutputHook watch = {},
          std::function<void()> exit_watch = {})
      : out_(output_limit),
        err_(output_limit),
        log_fd_(log_fd),
        watch_(std::move(watch)),
        exit_watch_(std::move(exit_watch)),
        hook_(std::move(hook)) {}
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Set once by the spawning thread before the pump sees the process; the executor's thread
  // reaps it (see GuardianHandle for what is safe from other threads).
  GuardianHandle guardian;
  // Set once by the spawning thread before the pump sees the process, then read-only: what the
  // watch hook feeds, and which run this is (unique in the runner).
  std::shared_ptr<OutputLines> lines;
  std::uint64_t run = 0;
  int open_outputs = 0;
  // The pump's registrations: its epoll set, and for stdout, stderr and the listen notifications
  // the descriptor it holds and the watch it registered it with (-1/null once closed). Written
  // by the pump (and by the spawning thread before the pump sees them) under pump_mutex(); the
  // pump reads its own without the lock (an exit report first drains what the process wrote
  // before it exited). A direct waiter sets them aside while it polls (stand_aside()).
  struct PumpWatch {
    int fd = -1;
    void* watch = nullptr;
  };
  enum PumpSlot { kPumpOut = 0, kPumpErr = 1, kPumpListen = 2 };
  // What the pump's epoll watches the descriptor of `slot` for: input, and on the listen
  // notifications also an answer a direct waiter held back (EPOLLOUT, see answer_listens()).
  static std::uint32_t pump_events(PumpSlot slot);
  int pump_epoll_fd = -1;
  PumpWatch pump_watches[3];
  std::mutex& pump_mutex() { return pump_mutex_; }
  // Listen events (listen_events.hpp): set by the spawning thread before the pump sees the
  // process. `listen_events` when the pump answers the tree's listen() calls; `no_new_privs`
  // when the child had to set it for that; `hold_listen_answers` when a direct waiter may hold
  // its answers back (ListenReport::killable_recv).
  bool listen_events = false;
  bool no_new_privs = false;
  bool hold_listen_answers = false;

  // --- called by the pump thread (and by a direct reader, see below) ---
  // Whoever reads an output pipe holds input_mutex() from the read until on_output() returned:
  // the bytes reach the ring, the log and the hooks in the order they left the pipe.
  std::mutex& input_mutex() { return input_mutex_; }
  void on_output(Stream stream, const char* data, std::size_t size);
  void on_output_eof(Stream stream);
  void on_status(const GuardianMessage& message);
  void on_status_eof();
  // Answers the tree's pending listen() calls on `listener` (the pump's descriptor or the direct
  // waiter's duplicate, one at a time) and counts them as an event. True when the descriptor is
  // finished (no process left to use it): its holder closes it. Answers held back earlier go out
  // first. `hold` (the direct waiter): the answers to the calls made on the callers' behalf are
  // held back (listen_events.hpp) and the pump sends them — it watches for EPOLLOUT, which the
  // descriptor reports while one is held — so start() returns before the service it woke runs.
  bool answer_listens(int listener, bool hold = false);

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
  // The bytes of `stream` in [from, to) (offsets since the start) that the ring still holds;
  // `first` is the offset of the first byte returned (> from when the ring dropped some).
  std::string output_range(Stream stream, std::uint64_t from, std::uint64_t to,
                           std::uint64_t& first) const;
  std::uint64_t events() const;
  // How many listen() calls of the tree were reported so far (listen_events only).
  std::uint64_t listens() const { return listens_.load(); }
  // The TCP sockets the runner made listen for the tree (listen_events.hpp), from the `from`-th
  // on, in the order of the calls; complete for every call listens() has counted. At most
  // kMaxListening are kept (a service that listens in a loop).
  std::vector<Listened> listening(std::size_t from) const;
  static constexpr std::size_t kMaxListening = 256;
  // Waits until events() != seen or `until`; updates seen. True when something happened.
  // With direct reads enabled, the waiting thread reads the output pipes itself (see below).
  bool wait_event(std::chrono::steady_clock::time_point until, std::uint64_t& seen);

  // Direct reads, for a start() that waits for a banner. Through the pump, a line reaches the
  // waiter in two thread hand-offs (the pipe wakes the pump, the pump wakes the waiter); each
  // costs tens of microseconds when the other CPU is idle (more in a VM). While enabled, the
  // waiting thread polls the pipes itself (through duplicates of their read ends, so the pump
  // closing its descriptors at EOF cannot hand a reused number to the waiter) and reads and
  // delivers, under input_mutex(): one hand-off. While it polls, the pump's watches of the same
  // descriptors stand aside (they report hang-ups only), so a write wakes the waiter alone; the
  // pump takes over again between waits and after start(). EOF is left to the pump.
  // enable_direct_reads() is called once by the spawning thread before the pump sees the process;
  // end_direct_reads() releases the duplicates (any thread) — not the eventfd, which
  // release_direct_reads() closes (stop(), the destructor): closing it (the last reference, so
  // the kernel frees it) would cost the start() that returns ~10 us.
  // `listen_fd` (-1: none), the tree's listen notifications, is polled the same way: the waiter
  // answers a listen() itself (answer_listens(), like the pump) and checks at once.
  void enable_direct_reads(int out_fd, int err_fd, int listen_fd = -1);
  void end_direct_reads();
  // Closes the eventfd too: once stopped, no start() waits on this process any more.
  void release_direct_reads();
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
  void signal_direct_waiter();
  void send_held_answers(int listener);
  // While a direct waiter polls a descriptor itself, the pump's watch of it reports hang-ups
  // only (EOF, no process left to call listen()), not input: a banner or a listen() wakes one
  // thread, not two racing for it. Returns the slots set aside; stand_back() restores them.
  unsigned stand_aside();
  void stand_back(unsigned slots);
  bool wait_event_direct(std::chrono::steady_clock::time_point until, std::uint64_t& seen);
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
  const OutputHook watch_;
  const std::function<void()> exit_watch_;
  // The hook has a lock of its own: what it does (a banner match) must never hold up the
  // waiters and observers of mutex_ (start(), stop(), output()).
  std::mutex hook_mutex_;
  OutputHook hook_;
  std::mutex input_mutex_;
  // Direct reads: the duplicated pipes (-1: none or at EOF) and an eventfd that tells a direct
  // waiter about every other event (exit, EOF, wake()). direct_mutex_ is held by the one
  // waiter that polls them; another thread waits on the condition variable instead.
  // event_fd_mutex_ guards direct_event_fd_ against release_direct_reads() for the threads that
  // signal it (taken only while a direct waiter waits).
  std::mutex direct_mutex_;
  int direct_fds_[3] = {-1, -1, -1};  // stdout, stderr, listen notifications
  std::mutex event_fd_mutex_;
  int direct_event_fd_ = -1;
  std::atomic<bool> direct_waiting_{false};
  std::mutex pump_mutex_;
  std::atomic<std::uint64_t> listens_{0};
  mutable std::mutex listen_mutex_;  // held by whoever answers listen notifications
  std::vector<Listened> listening_;  // guarded by listen_mutex_
  std::vector<HeldAnswer> held_;     // guarded by listen_mutex_
};

}  // namespace mirakuru::detail
