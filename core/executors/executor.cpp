// Executor::start(): spawn, then wait for the probe, the process's exit or the deadline —
// whichever comes first — on events from the output thread rather than on fixed sleeps.
#include "mirakuru/executor.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "executors/backoff.hpp"
#include "executors/line_splitter.hpp"
#include "executors/messages.hpp"
#include "executors/piece_probe.hpp"
#include "executors/progress.hpp"
#include "executors/retry.hpp"
#include "process/log.hpp"
#include "process/timeline.hpp"

namespace mirakuru {

namespace detail {

// Routes the output thread's bytes, cut into lines, to the probe. Each start() opens a new
// generation: a hook still attached to an earlier run's process (its last bytes may be in
// flight) stays silent, and the mutex keeps a late line from landing between the probe's reset()
// and the new spawn.
struct LineTap {
  std::mutex mutex;
  std::uint64_t generation = 0;
  std::shared_ptr<Probe> probe;
  LineSplitter lines[2];  // stdout, stderr

  void on_output(Stream stream, std::string_view bytes, bool end) {
    LineSplitter& splitter = lines[stream == Stream::Out ? 0 : 1];
    auto deliver = [&](const LinePiece& piece) { detail::deliver(*probe, stream, piece); };
    if (end) {
      splitter.finish(deliver);
    } else {
      splitter.feed(bytes, deliver);
    }
  }
};

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

// After a failed start the output may still be in the pipe; a short, bounded wait lets the
// message carry the process's last words (its stderr is usually the explanation).
constexpr std::chrono::milliseconds kTailGrace{200};
// How long a probe's "never" waits for the exit status that usually follows (see start()).
constexpr std::chrono::milliseconds kExitGrace{100};
// Output wakes a check early at most this often (or every poll_initial, when shorter).
constexpr std::chrono::microseconds kOutputRecheckGap{250};
// After a listen() of the service's tree the port may accept any moment (the call runs once the
// pump let it go on, on whichever CPU): checks follow at 25 us, then gaps doubling up to 1 ms,
// for this long, before the sparse schedule takes over again.
constexpr std::chrono::microseconds kAfterListenFirst{25};
constexpr std::chrono::microseconds kAfterListenMax{1000};
constexpr std::chrono::milliseconds kAfterListen{50};
// The pause between attempts sleeps in slices this long when there is no process to wait on.
constexpr std::chrono::milliseconds kPauseSlice{20};

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// started + timeout, saturated: a timeout of milliseconds::max() means "no deadline", not an
// overflow into the past.
Clock::time_point deadline_after(Clock::time_point started, std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds::zero()) return started;
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - started);
  return timeout >= room ? Clock::time_point::max() : started + timeout;
}

std::string with_tail(const std::string& message, const std::string& tail) {
  if (tail.empty()) return message + "\n(the process wrote no output)";
  return message + "\n" + tail;
}

// A failed start's error: what() is `"COMMAND" cause`, then the output tail.
template <typename Error, typename... Args>
[[noreturn]] void fail_with_tail(const Executor& executor, const std::string& cause, Args... args) {
  const std::string shown = executor.command().str();
  std::string tail = executor.output_tail(20, 4096);
  std::string message = with_tail("\"" + shown + "\" " + cause, tail);
  throw Error(shown, args..., message, ErrorDetails{{}, cause, std::move(tail)});
}

}  // namespace

Executor::Executor(Command command, Options options)
    : SimpleExecutor(std::move(command), std::move(options)) {}

Executor::Executor(Command command, std::unique_ptr<Probe> probe, Options options)
    : SimpleExecutor(std::move(command), std::move(options)), probe_(std::move(probe)) {
  if (!probe_) throw std::invalid_argument("mirakuru::Executor: the probe must not be null");
  if (probe_->waits_for_listen()) want_listen_events(true);
  if (probe_->wants_lines()) {
    tap_ = std::make_shared<detail::LineTap>();
    tap_->probe = probe_;
  }
}

// The base destructor kills the process; the hook holds the probe by shared_ptr, so the output
// thread never sees a destroyed probe in between.
Executor::~Executor() = default;
Executor::Executor(Executor&&) noexcept = default;
Executor& Executor::operator=(Executor&&) noexcept = default;

bool Executor::pre_start_check() { return probe_ ? probe_->occupied() : false; }

bool Executor::after_start_check() {
  if (!probe_) return true;
  last_ = probe_->check();
  return last_.is_ready();
}

std::string Executor::waiting_for() const {
  return probe_ ? probe_->describe() : std::string("after_start_check()");
}

Executor& Executor::start() {
  if (running()) return *this;  // like Python mirakuru: nothing to start, nothing to wait for
  StartScope scope(*this);      // interrupt_start() from another thread ends every attempt
  const int retries = options().retries;
  if (retries <= 0) return start_attempt();
  const auto started = Clock::now();
  detail::Attempts attempts;
  for (;;) {
    const auto began = Clock::now();
    try {
      return start_attempt();
    } catch (...) {
      const std::exception_ptr error = std::current_exception();
      attempts.failed(error, Clock::now() - began);
      if (attempts.size() > static_cast<std::size_t>(retries) || !detail::worth_retrying(error)) {
        attempts.rethrow_last();
      }
      detail::logger()->warn("\"{}\": attempt {} of {} failed, retrying in {}", command().str(),
                             attempts.size(), retries + 1,
                             detail::format_duration(options().retry_delay));
    }
    pause_before_retry();
    if (start_interrupted()) fail_interrupted(since(started));
  }
}

void Executor::pause_before_retry() const {
  const auto until = Clock::now() + options().retry_delay;
  std::uint64_t seen = 0;
  while (Clock::now() < until && !start_interrupted()) {
    // The last attempt's process is dead: its only event left is interrupt_start()'s wake-up.
    // Without a process (AlreadyRunning before spawning) there is nothing to wait on.
    if (!wait_for_event(until, seen) && Clock::now() < until) {
      std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), kPauseSlice));
    }
  }
}

Executor& Executor::start_attempt() {
  detail::timeline::Span span(command().argv, command().line,
                              "start");  // spawn → ready, per attempt
  struct SpanArgs {  // however start() ends, the span carries the checks made and the probe
    detail::timeline::Span& span;
    const Executor& executor;
    ~SpanArgs() {
      if (!span.active()) return;
      try {
        span.arg("checks", static_cast<std::int64_t>(executor.checks()));
        span.arg("probe", executor.waiting_for());
      } catch (...) {  // out of memory: the event goes without its details
      }
    }
  } span_args{span, *this};
  const auto started = Clock::now();
  span.begin_at(started);
  const auto deadline = deadline_after(started, options().timeout);
  detail::Progress progress(started, options().timeout);

  if (pre_start_check()) {
    const std::string cause = waiting_for() +
                              " is already in use by something else (checked before spawning, "
                              "nothing was started). Stop whatever holds it, or give this "
                              "service another port, socket or file.";
    throw AlreadyRunning(command().str(), "cannot start \"" + command().str() + "\": " + cause,
                         ErrorDetails{{}, cause, {}});
  }

  last_ = ProbeResult::not_yet({});
  checks_ = 0;
  // The interrupt hook reaches this executor: it lives only as long as this start() (a moved
  // executor or a probe asked later on its own must not call through a stale `this`).
  struct InterruptScope {
    Probe* probe;
    ~InterruptScope() {
      if (probe) probe->set_interrupt({});
    }
  } interrupt_scope{probe_.get()};
  if (probe_) {
    probe_->set_deadline(deadline);
    probe_->set_interrupt(
        [this] { return start_interrupted() || (exited() && returncode().value_or(0) != 0); });
  }
  if (tap_) {
    // set_output_hook() also reaches the previous run's process: finish it and let its last
    // lines through first, so none of them can count for this run.
    kill_quietly();
    drain_output();
    std::uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(tap_->mutex);
      generation = ++tap_->generation;
      for (auto& splitter : tap_->lines) splitter.clear();
      probe_->reset();
    }
    set_output_hook([tap = tap_, generation](Stream stream, std::string_view bytes, bool end) {
      std::lock_guard<std::mutex> lock(tap->mutex);
      if (tap->generation == generation) tap->on_output(stream, bytes, end);
    });
  } else if (probe_) {
    probe_->reset();
  }

  SimpleExecutor::start();  // SpawnError propagates: nothing is left running

  detail::Backoff backoff(options().poll_initial, options().poll_max, started);
  std::uint64_t seen = 0;
  // With listen events, free checks are made right after each listen() of the tree (and then
  // densely for a short while), otherwise on the backoff: a port served from outside the tree
  // (a container's proxy) is still seen, a little later.
  std::uint64_t listens_seen = 0;
  // The probe hears of each socket the runner made listen before the check that follows it.
  const bool wants_listens = probe_ && probe_->waits_for_listen();
  std::uint64_t listens_told = 0;
  std::size_t sockets_told = 0;
  Clock::time_point after_listen_until = Clock::time_point::min();
  std::chrono::microseconds after_listen_gap = kAfterListenFirst;
  bool closed_reported = false;
  for (;;) {
    // Read the process state before checking: a check that succeeds right before the process
    // exits 0 still counts, but a process that died of an error is not ready even if its port
    // answers (someone else may serve it) or its banner went out just before the crash.
    if (start_interrupted()) fail_interrupted(since(started));
    const bool has_exited = exited();
    if (has_exited) {
      const int code = returncode().value_or(-1);
      if (code != 0) fail_exited(code, started);
    }
    if (probe_ && !closed_reported && output_closed()) {
      probe_->on_output_closed();
      closed_reported = true;
    }
    if (wants_listens) {
      const auto count = listens();
      if (count && *count != listens_told) {
        listens_told = *count;
        for (const auto& socket : listening(sockets_told)) {
          ++sockets_told;
          probe_->on_listening(socket);
        }
      }
    }
    if (!probe_) last_ = ProbeResult::not_yet("after_start_check() returned false");
    ++checks_;
    if (after_start_check()) {
      if (!last_.is_ready()) last_ = ProbeResult::ready();  // an override said so
      // (Guarded: the message's strings are built only when it is logged — this is the path
      // every start() returns through.)
      const auto ready_at = Clock::now();
      span.end_at(ready_at);
      if (detail::logger()->should_log(spdlog::level::debug)) {
        detail::logger()->debug(
            "\"{}\" ready after {} us, {} check(s) ({})", command().str(),
            std::chrono::duration_cast<std::chrono::microseconds>(ready_at - started).count(),
            checks_, waiting_for());
      }
      return *this;
    }
    if (last_.state == ProbeResult::State::Never) {
      // The output usually ends because the process is exiting, and the pipe's EOF can arrive
      // before the exit status: give the status a moment, so an exit is reported as one.
      const auto grace = std::min(Clock::now() + kExitGrace, deadline);
      while (!exited() && Clock::now() < grace) {
        if (!wait_for_event(grace, seen)) break;
      }
      if (exited()) fail_exited(returncode().value_or(-1), started);
      fail_never(started);
    }

    const auto now = Clock::now();
    if (now >= deadline) fail_timeout();
    if (now >= progress.next()) {
      progress.report(now, detail::timeline::current_track(command().str()), last_.detail);
    }
    // When to check next: when the probe asks to (every poll_initial for free checks), or on the
    // backoff for probes that do not say. An event-driven probe has nothing new to say until an
    // event; after its process exited 0 (daemonized, output still open) the events stop, so it
    // is polled like the others.
    const auto wanted = probe_ ? probe_->next_check() : std::nullopt;
    const bool events_only = wanted && *wanted == Clock::time_point::max() && !has_exited;
    auto at = wanted && !(*wanted == Clock::time_point::max() && has_exited)
                  ? std::max(*wanted, now + options().poll_initial)
                  : now + backoff.next(now);
    const std::optional<std::uint64_t> listen_count = listens();
    if (listen_count && wanted && *wanted == Clock::time_point::min()) {  // free, with events
      if (now < after_listen_until) {
        at = now + after_listen_gap;
        after_listen_gap = std::min(after_listen_gap * 2, kAfterListenMax);
      } else {
        at = now + backoff.next(now);
      }
    }
    const auto earliest =
        now + std::min<std::chrono::microseconds>(options().poll_initial, kOutputRecheckGap);
    for (;;) {
      if (!wait_for_event(std::min({at, deadline, progress.next()}), seen)) break;  // time came
      if (listen_count) {
        const auto count = listens().value_or(listens_seen);
        if (count != listens_seen) {  // a listen(): the port may accept now
          listens_seen = count;
          after_listen_until = Clock::now() + kAfterListen;
          after_listen_gap = kAfterListenFirst;
          break;
        }
      }
      if (events_only || exited()) break;
      // Output: the service may have come up — check sooner, but not within kOutputRecheckGap
      // of the last check (a chatty service must not turn the wait into a busy loop; paced probes
      // also hold back their own requests).
      if (!wanted) backoff.reset();
      at = std::min(at, earliest);
      if (Clock::now() >= at) break;
    }
  }
}

void Executor::drain_output() const {
  std::uint64_t seen = 0;
  const auto grace = Clock::now() + kTailGrace;
  while (!output_closed() && Clock::now() < grace) {
    if (!wait_for_event(grace, seen)) break;  // the grace ran out, or there is no process
  }
}

void Executor::fail_exited(int code, Clock::time_point started) {
  kill_quietly();  // descendants may still run (and hold the output open)
  drain_output();
  std::string cause = describe_returncode(code) + " after " +
                      detail::format_duration(since(started)) +
                      ", before it was ready (waiting for " + waiting_for() + ")";
  if (!last_.detail.empty()) cause += "; last check: " + last_.detail;
  cause += code == 0 ? ". It exited 0, but what the probe watches can no longer appear."
                     : ". Its output below usually says why; try running the command by hand.";
  if (code != 0 && listen_no_new_privs()) {
    cause +=
        " It ran with no_new_privs, set for listen events: a setuid program it runs (sudo, su) "
        "gets no privileges that way. If it needs one, set Options::listen_events (JSON "
        "\"listen_events\") to false.";
  }
  fail_with_tail<ProcessExitedWithError>(*this, cause, code);
}

void Executor::fail_never(Clock::time_point started) {
  kill_quietly();
  drain_output();
  fail_with_tail<ExecutorError>(*this, "can never become ready: waiting for " + waiting_for() +
                                           ", " + last_.detail + " (after " +
                                           detail::format_duration(since(started)) +
                                           "). The process was killed; check how it is "
                                           "configured to report readiness.");
}

void Executor::fail_timeout() {
  const bool had_exited = exited();
  kill_quietly();
  drain_output();
  std::string cause = "was not ready within " + detail::format_duration(options().timeout) +
                      ": waiting for " + waiting_for();
  cause += last_.detail.empty()
               ? std::string(", never checked")
               : "; last of " + std::to_string(checks_) + " checks: " + last_.detail;
  if (had_exited) cause += ". The process exited 0 early (daemonized?) and nothing became ready";
  cause +=
      ". The process was killed. If it is just slow, raise Options::timeout; otherwise "
      "its output below should say what it waits for.";
  fail_with_tail<TimeoutExpired>(*this, cause, options().timeout);
}

}  // namespace mirakuru
