// SimpleExecutor::output_mark() and wait_for_output(): lines already printed are looked at in the
// capture ring, later ones on the output thread as they are cut (OutputLines), and the waiting
// thread sleeps until a line matched it, the process exited, its output ended or the deadline
// passed — woken by nothing else, never by a timer.
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "executors/line_regex.hpp"
#include "executors/line_splitter.hpp"
#include "executors/output_lines.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/simple_executor.hpp"
#include "process/process.hpp"

namespace mirakuru {

using Clock = std::chrono::steady_clock;

namespace {

// How long an end of output waits for the exit status that usually follows (as Executor::start).
constexpr std::chrono::milliseconds kExitGrace{100};

std::string precise_duration(std::chrono::nanoseconds d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  char text[32];
  if (ms < 1) {
    std::snprintf(text, sizeof text, "%.3f ms", ms);
  } else if (ms < 1000) {
    std::snprintf(text, sizeof text, "%.1f ms", ms);
  } else {
    std::snprintf(text, sizeof text, "%.3f s", ms / 1000);
  }
  return text;
}

Clock::time_point deadline_after(Clock::time_point now, std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds::zero()) return now;
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  return timeout >= room ? Clock::time_point::max() : now + timeout;
}

std::string plural(std::uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::string OutputWait::describe() const {
  const std::string after = "after " + precise_duration(waited);
  const std::string seen = plural(lines_after, "line") + " after the mark" +
                           (lines_lost > 0 ? " (" + std::to_string(lines_lost) +
                                                 " of them no longer in the capture ring)"
                                           : std::string());
  switch (outcome) {
    case Outcome::Matched:
      return "line " + std::to_string(line_number) + " of " +
             (stream == Stream::Out ? "stdout" : "stderr") + " matched " + after + ": \"" + line +
             "\"";
    case Outcome::Timeout:
      return "no line matched: gave up at the timeout " + after + ", the process still running; " +
             seen;
    case Outcome::Exited:
      return "no line matched: the process had " +
             (returncode ? describe_returncode(*returncode) : std::string("exited")) +
             " (stopped waiting " + after + "); " + seen;
    case Outcome::OutputClosed:
      return "no line matched: the process's output had ended (EOF; stopped waiting " + after +
             "); " + seen;
    case Outcome::NotStarted:
      return "the executor was never started: it has no output to wait for";
    case Outcome::NotCaptured:
      return "neither stdout nor stderr is captured (Options::stdout_mode/stderr_mode are not "
             "Stdio::Capture): there are no lines to match";
  }
  return {};
}

OutputMark SimpleExecutor::output_mark() const {
  OutputMark mark;
  mark.executor_ = serial_;
  const auto process = current();
  if (!process || !process->lines) return mark;
  const auto at = process->lines->position();
  mark.run_ = process->run;
  for (int s = 0; s < 2; ++s) {
    mark.lines_[s] = at.lines[s];
    mark.offsets_[s] = at.offsets[s];
  }
  return mark;
}

OutputWait SimpleExecutor::wait_for_output(const std::string& regex,
                                           std::chrono::milliseconds timeout,
                                           const std::optional<OutputMark>& from) const {
  const auto began = Clock::now();
  const auto deadline = deadline_after(began, timeout);
  const detail::LineRegex re(regex, "output");  // throws std::invalid_argument
  if (from && from->executor_ != serial_) {
    throw std::invalid_argument(
        "mirakuru: wait_for_output(/" + regex + "/) on '" + command_.str() +
        "' was given an OutputMark " +
        (from->executor_ == 0 ? std::string("that belongs to no executor (default-constructed)")
                              : std::string("taken from another executor")) +
        "; take the mark with output_mark() of the executor you wait on");
  }
  OutputWait result;
  const auto process = current();
  const auto lines = process ? process->lines : nullptr;
  auto finish = [&](OutputWait::Outcome outcome) {
    result.outcome = outcome;
    result.waited = Clock::now() - began;
    return result;
  };
  if (!process || !lines) return finish(OutputWait::Outcome::NotStarted);
  if (options_.stdout_mode != Stdio::Capture && options_.stderr_mode != Stdio::Capture) {
    return finish(OutputWait::Outcome::NotCaptured);
  }
  OutputMark mark;  // an earlier run's mark, or none: since this start
  if (from && from->run_ == process->run) mark = *from;

  detail::OutputLines::Waiter waiter(re);
  const auto at = lines->add(waiter);
  struct Unregister {
    detail::OutputLines& lines;
    detail::OutputLines::Waiter& waiter;
    bool done = false;
    void now() {
      if (!done) lines.remove(waiter);
      done = true;
    }
    ~Unregister() { now(); }
  } unregister{*lines, waiter};

  // The lines between the mark and the registration: from the ring, cut by the same rules.
  for (int s = 0; s < 2 && !result; ++s) {
    if (at.lines[s] <= mark.lines_[s]) continue;
    const Stream stream = s == 0 ? Stream::Out : Stream::Err;
    std::uint64_t first = 0;
    std::string bytes = process->output_range(stream, mark.offsets_[s], at.offsets[s], first);
    std::string_view text = bytes;
    if (first > mark.offsets_[s]) {  // the ring dropped the start: skip the cut line
      const std::size_t nl = text.find('\n');
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    std::uint64_t scanned = 0;
    std::uint64_t matched_at = 0;  // which of the scanned lines matched
    auto on_piece = [&](const detail::LinePiece& piece) {
      if (!result && re.search(piece)) {
        result.outcome = OutputWait::Outcome::Matched;
        result.stream = stream;
        result.line = std::string(piece.text());
        matched_at = scanned;
      }
      if (piece.last) ++scanned;
    };
    detail::LineSplitter splitter;
    splitter.feed(text, on_piece);
    splitter.finish(on_piece);
    // What the ring no longer held are the first lines of the range.
    const std::uint64_t history = at.lines[s] - mark.lines_[s];
    result.lines_lost += history > scanned ? history - scanned : 0;
    if (result) result.line_number = at.lines[s] - scanned + matched_at + 1;
  }

  if (!result) {
    lines->wait(waiter, deadline);
    unregister.now();
    if (waiter.done.load(std::memory_order_acquire)) {
      result.outcome = OutputWait::Outcome::Matched;
      result.stream = waiter.stream;
      result.line = std::move(waiter.line);
      result.line_number = waiter.line_index + 1;
    }
  }
  unregister.now();

  auto state = process->snapshot();
  const bool ended = lines->ended();  // (the process's own count may lag a moment behind)
  if (!result && ended && !state.exited) {
    // The output usually ends because the process is exiting, and the pipe's EOF can arrive
    // before the exit status: give the status a moment, so an exit is reported as one.
    process->wait_until([](const detail::Process::Snapshot& s) { return s.exited; },
                        std::min(Clock::now() + kExitGrace, std::max(deadline, Clock::now())));
    state = process->snapshot();
  }
  if (state.exited) result.returncode = state.returncode;
  const auto end = lines->position();
  result.lines_after = (end.lines[0] - mark.lines_[0]) + (end.lines[1] - mark.lines_[1]);
  if (result) return finish(OutputWait::Outcome::Matched);
  if (state.exited) return finish(OutputWait::Outcome::Exited);
  if (ended) return finish(OutputWait::Outcome::OutputClosed);
  return finish(OutputWait::Outcome::Timeout);
}

}  // namespace mirakuru
