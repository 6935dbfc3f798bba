// mirakuru/output_wait.hpp — positions in an executor's output and the result of waiting for a
// line (SimpleExecutor::output_mark(), wait_for_output(); <mirakuru/gmock.hpp> builds its
// matchers on them).
//
//   auto mark = worker.output_mark();               // "from here on"
//   post_job(42);
//   mirakuru::OutputWait got = worker.wait_for_output("processed job 42", 5s, mark);
//   if (!got) FAIL() << got.describe();             // timeout, exit or end of output
//
// Threads: both are plain values, safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mirakuru/options.hpp"

namespace mirakuru {

class SimpleExecutor;

// A position in one executor's output: how many complete lines each captured stream had printed
// in the current run. It counts lines, not bytes kept, so a mark stays meaningful when the
// capture ring drops old bytes. A mark taken before a start() (or in an earlier run) means "since
// the current start". A default-constructed mark belongs to no executor.
class OutputMark {
 public:
  OutputMark() = default;
  // Complete lines of stdout + stderr printed in that run before the mark.
  std::uint64_t lines() const { return lines_[0] + lines_[1]; }

 private:
  friend class SimpleExecutor;
  std::uint64_t executor_ = 0;         // which executor (0: none)
  std::uint64_t run_ = 0;              // which start() of it (0: before the first)
  std::uint64_t lines_[2] = {0, 0};    // complete lines of stdout, stderr
  std::uint64_t offsets_[2] = {0, 0};  // where each stream's next line begins (bytes of the run)
};

// What SimpleExecutor::wait_for_output() saw.
struct OutputWait {
  enum class Outcome {
    Matched,       // `line` matched
    Timeout,       // no line matched within the timeout, and the process still runs
    Exited,        // the process exited first (returncode) — nothing more can come
    OutputClosed,  // every captured stream reached EOF first (the process may still run)
    NotStarted,    // the executor was never started
    NotCaptured,   // neither stdout nor stderr is captured (Stdio::Capture): no lines to see
  };
  Outcome outcome = Outcome::NotStarted;
  std::string line;                    // Matched: the line that matched (a long line: its piece)
  Stream stream = Stream::Out;         // Matched: the stream it came on
  std::uint64_t line_number = 0;       // Matched: its number in that stream, since the start (1-)
  std::uint64_t lines_after = 0;       // complete lines printed after the mark when the wait ended
  std::uint64_t lines_lost = 0;        // lines after the mark the capture ring had already dropped
                                       // when the wait began (never matched)
  std::chrono::nanoseconds waited{0};  // how long the call took
  std::optional<int> returncode;       // set when the process had exited

  explicit operator bool() const { return outcome == Outcome::Matched; }
  // One sentence: "matched line 3 of stderr after 1.2 ms: ...", "timed out after 5 s: ...".
  std::string describe() const;
};

}  // namespace mirakuru
