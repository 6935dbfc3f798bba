// mirakuru/gmock.hpp — GoogleMock matchers on what a service does: what it prints, whether it
// runs, how it ended. Each is a matcher on `const mirakuru::SimpleExecutor&`, so it works on any
// executor, on `set.executor(NAME)` and on `mirakuru::gtest::services().executor(NAME)`:
//
//   using namespace mirakuru::testing;
//   auto mark = output_mark(worker);                  // "from here on"
//   post_job(42);
//   EXPECT_THAT(worker, EventuallyOutputs(R"(processed job 42)", std::chrono::seconds(5), mark));
//   EXPECT_THAT(worker, HasOutput("connected to db"));  // a line captured so far matches
//   EXPECT_THAT(worker, IsRunning());
//   EXPECT_THAT(oneshot, ExitedWith(0));                // not running, exited with that code
//   EXPECT_THAT(oneshot, ExitedWith(::testing::Ne(0))); // or any int matcher
//
// Lines are matched as banners are (make_output_probe() in <mirakuru/probe_factories.hpp>): RE2
// (linear time; no backreferences or lookaround), regex_search on each complete line of stdout or
// stderr (the last, unterminated one once the stream ended), long lines in overlapping 64 KiB
// pieces.
//
// Failure messages say what was expected, and for the output matchers show the last lines of
// output, how long the matcher waited and why it stopped waiting (timeout, exit, end of output).
// Bad input fails the test with a message and never throws into GoogleTest: an invalid regex
// (the message names the pattern and RE2's reason), a mark from another executor, an executor
// that was never started. (An invalid regex or a foreign mark is reported with ADD_FAILURE, so
// it fails the test even under ::testing::Not.)
//
// Waiting: EventuallyOutputs blocks the calling thread until the line arrives — woken by the
// output thread when a line matches, by the exit, or by the end of the output; no polling, no
// CPU while nothing is printed. EXPECT_THAT runs a failing matcher a second time to explain it:
// these matchers remember their last result for that second run, so a failed wait is waited once.
//
// Threads: the matchers may be used from any thread, several at once on one executor (each
// with its own mark).
#pragma once

#include <gmock/gmock.h>

#include <chrono>
#include <ostream>
#include <string>

#include "mirakuru/output_wait.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

// How GoogleTest prints an executor in a failure ("'worker --port 4242' (pid 77, running)"),
// for SimpleExecutor and every executor derived from it.
std::ostream& operator<<(std::ostream& os, const SimpleExecutor& executor);

namespace testing {

using OutputMark = ::mirakuru::OutputMark;

// The executor's current position in its output: EventuallyOutputs(..., mark) then looks only at
// lines completed after it. Counts lines, not bytes kept (it survives the capture ring dropping
// old bytes). Taken before a start(), it means "since that start".
OutputMark output_mark(const SimpleExecutor& executor);

// The process runs (started, and not exited).
::testing::Matcher<const SimpleExecutor&> IsRunning();

// The process has exited (by itself, or stopped) and its returncode() — -N for death by signal N
// — matches `code`: an int, or any int matcher (::testing::Ne(0), ::testing::AnyOf(0, 3)).
::testing::Matcher<const SimpleExecutor&> ExitedWith(::testing::Matcher<int> code);

// Some line captured so far (this run, as far as the capture ring still holds it) matches
// `regex`. Does not wait.
::testing::Matcher<const SimpleExecutor&> HasOutput(std::string regex);

// Waits up to `timeout` for a line printed since the executor's current start (or after `mark`)
// to match `regex`; lines printed before the call count too. Fails at the timeout, or at once
// when the process exits or its output ends before a line matched.
::testing::Matcher<const SimpleExecutor&> EventuallyOutputs(std::string regex,
                                                            std::chrono::milliseconds timeout);
::testing::Matcher<const SimpleExecutor&> EventuallyOutputs(std::string regex,
                                                            std::chrono::milliseconds timeout,
                                                            OutputMark mark);

}  // namespace testing
}  // namespace mirakuru
