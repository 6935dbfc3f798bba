// <mirakuru/gmock.hpp>: the matchers on real processes (mk_line_echo prints what the test asks,
// when it asks), their failure messages, and the bad inputs that must fail cleanly.
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "line_echo.hpp"
#include "mirakuru/gmock.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using mirakuru::test::fixture;
using mirakuru::test::LineEcho;
using ::testing::HasSubstr;
using ::testing::Not;
namespace mt = mirakuru::testing;

namespace {

using Clock = std::chrono::steady_clock;

// The matcher's verdict and its explanation, as EXPECT_THAT would print it.
template <typename M>
std::pair<bool, std::string> explain(const M& matcher, const mirakuru::SimpleExecutor& ex) {
  ::testing::StringMatchResultListener listener;
  const bool ok =
      ::testing::Matcher<const mirakuru::SimpleExecutor&>(matcher).MatchAndExplain(ex, &listener);
  return {ok, listener.str()};
}

std::string describe(const ::testing::Matcher<const mirakuru::SimpleExecutor&>& m) {
  std::ostringstream os;
  m.DescribeTo(&os);
  return os.str();
}

// Every failure `body` reports, without failing this test.
template <typename Body>
std::vector<std::string> failures_of(Body body) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    body();
  }
  std::vector<std::string> messages;
  for (int i = 0; i < results.size(); ++i)
    messages.push_back(results.GetTestPartResult(i).message());
  return messages;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

// ---- IsRunning / ExitedWith ------------------------------------------------------------------

TEST(GmockState, IsRunningFollowsTheProcess) {
  LineEcho echo;
  auto& ex = echo.executor();
  EXPECT_THAT(ex, Not(mt::IsRunning()));
  EXPECT_THAT(explain(mt::IsRunning(), ex).second, HasSubstr("never started"));
  ex.start();
  EXPECT_THAT(ex, mt::IsRunning());
  echo.send("exit:4");
  ASSERT_TRUE(ex.wait(10s));
  const auto [ok, why] = explain(mt::IsRunning(), ex);
  EXPECT_FALSE(ok);
  EXPECT_THAT(why, HasSubstr("exited with code 4"));
  EXPECT_THAT(why, HasSubstr("line_echo ready"));  // the output tail
}

TEST(GmockState, ExitedWithTakesACodeOrAMatcher) {
  mirakuru::SimpleExecutor ok({fixture("exit_with"), "0"});
  mirakuru::SimpleExecutor bad({fixture("exit_with"), "3", "migration failed: no table"});
  EXPECT_THAT(explain(mt::ExitedWith(0), ok).second, HasSubstr("never started"));
  ok.start();
  bad.start();
  ASSERT_TRUE(ok.wait(10s));
  ASSERT_TRUE(bad.wait(10s));
  EXPECT_THAT(ok, mt::ExitedWith(0));
  EXPECT_THAT(bad, mt::ExitedWith(3));
  EXPECT_THAT(bad, mt::ExitedWith(::testing::Ne(0)));
  EXPECT_THAT(bad, mt::ExitedWith(::testing::AnyOf(2, 3)));
  const auto [matched, why] = explain(mt::ExitedWith(0), bad);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("exited with code 3"));
  EXPECT_THAT(why, HasSubstr("migration failed: no table"));  // stderr tail
  EXPECT_EQ(describe(mt::ExitedWith(0)), "has exited with a returncode that is equal to 0");
}

TEST(GmockState, ExitedWithFailsWhileRunningAndSeesSignals) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto [matched, why] = explain(mt::ExitedWith(::testing::_), ex);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("still running"));
  ex.kill(true, SIGKILL);
  EXPECT_THAT(ex, mt::ExitedWith(-SIGKILL));
}

// ---- HasOutput -------------------------------------------------------------------------------

TEST(GmockOutput, HasOutputLooksAtBothStreamsSoFar) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  auto mark = mt::output_mark(ex);
  echo.send("err:connected to db on port 5432");
  echo.send("out:done");
  ASSERT_THAT(ex, mt::EventuallyOutputs("^done$", 10s, mark));
  // stderr is another pipe: its line may still be on its way when stdout's "done" arrived.
  ASSERT_THAT(ex, mt::EventuallyOutputs("connected to db", 10s, mark));
  EXPECT_THAT(ex, mt::HasOutput(R"(connected to db on port \d+)"));
  EXPECT_THAT(ex, mt::HasOutput("line_echo ready"));
  EXPECT_THAT(ex, Not(mt::HasOutput("^connected to cache")));
  const auto [matched, why] = explain(mt::HasOutput("connected to cache"), ex);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("none of whose 3 lines matches"));
  EXPECT_THAT(why, HasSubstr("--- last stderr ---"));
  EXPECT_THAT(why, HasSubstr("connected to db on port 5432"));
  EXPECT_THAT(explain(mt::HasOutput("done"), ex).second, HasSubstr("stdout line 2: \"done\""));
}

// ---- EventuallyOutputs -----------------------------------------------------------------------

TEST(GmockEventually, WaitsForALinePrintedLater) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto mark = mt::output_mark(ex);
  std::thread later([&] {
    std::this_thread::yield();
    echo.send("out:processed job 42");
  });
  EXPECT_THAT(ex, mt::EventuallyOutputs(R"(processed job \d+)", 10s, mark));
  later.join();
}

TEST(GmockEventually, CountsLinesPrintedBetweenTheMarkAndTheCall) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto mark = mt::output_mark(ex);
  echo.send("err:processed job 7");
  echo.send("out:sync");
  ASSERT_THAT(ex, mt::EventuallyOutputs("^sync$", 10s));  // both lines are in by now
  const auto [matched, why] = explain(mt::EventuallyOutputs("job 7", 10s, mark), ex);
  EXPECT_TRUE(matched) << why;
  EXPECT_THAT(why, HasSubstr("stderr line 1: \"processed job 7\""));
}

TEST(GmockEventually, IgnoresLinesBeforeTheMark) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  echo.send("out:processed job 1");
  ASSERT_THAT(ex, mt::EventuallyOutputs("job 1", 10s));  // since the start: seen
  const auto mark = mt::output_mark(ex);
  EXPECT_EQ(mark.lines(), 2u);
  const auto [matched, why] = explain(mt::EventuallyOutputs("job 1", 100ms, mark), ex);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("gave up at the timeout"));
  EXPECT_THAT(why, HasSubstr("0 lines after the mark"));
  EXPECT_THAT(why, HasSubstr("processed job 1"));  // the tail still shows it
}

TEST(GmockEventually, ReturnsAtOnceWhenTheProcessExits) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto mark = mt::output_mark(ex);
  echo.send("err:fatal: cannot open queue");
  echo.send("exit:3");
  const auto began = Clock::now();
  const auto [matched, why] = explain(mt::EventuallyOutputs("processed", 60s, mark), ex);
  EXPECT_LT(ms_since(began), 10'000);  // not the 60 s timeout
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("because the process exited with code 3"));
  EXPECT_THAT(why, HasSubstr("1 line after the mark"));
  EXPECT_THAT(why, HasSubstr("fatal: cannot open queue"));
}

// The exit alone wakes the wait: a child that outlives its parent keeps the output open.
TEST(GmockEventually, ReturnsAtOnceWhenTheProcessExitsWithItsOutputStillOpen) {
  mirakuru::SimpleExecutor leader({"sh", "-c", "sleep 300 & echo started; exit 5"});
  leader.start();
  const auto began = Clock::now();
  const auto [matched, why] = explain(mt::EventuallyOutputs("processed", 60s), leader);
  EXPECT_LT(ms_since(began), 10'000);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("because the process exited with code 5"));
  EXPECT_THAT(why, HasSubstr("started"));
}

TEST(GmockEventually, ReturnsAtOnceWhenTheOutputEnds) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  echo.send("close");
  const auto began = Clock::now();
  const auto [matched, why] = explain(mt::EventuallyOutputs("processed", 60s), ex);
  EXPECT_LT(ms_since(began), 10'000);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("because its output ended (EOF"));
  EXPECT_THAT(ex, mt::IsRunning());  // the process itself goes on
}

TEST(GmockEventually, MatchesWhatWasPrintedBeforeAnExit) {
  mirakuru::SimpleExecutor oneshot({"sh", "-c", "echo migrated 12 tables; exit 0"});
  oneshot.start();
  ASSERT_TRUE(oneshot.wait(10s));
  EXPECT_THAT(oneshot, mt::EventuallyOutputs(R"(migrated \d+ tables)", 5s));
  EXPECT_THAT(oneshot, mt::ExitedWith(0));
}

TEST(GmockEventually, JoinsALineWrittenInPiecesAndMatchesStderr) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto mark = mt::output_mark(ex);
  echo.send("partial:processed ");
  echo.send("partial:job ");
  echo.send("out:42");
  echo.send("err:warning: slow disk");
  EXPECT_THAT(ex, mt::EventuallyOutputs("^processed job 42$", 10s, mark));
  EXPECT_THAT(ex, mt::EventuallyOutputs("^warning: slow disk$", 10s, mark));
}

TEST(GmockEventually, ManyWaitersWithTheirOwnMarks) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  constexpr int kWaiters = 6;
  std::vector<mt::OutputMark> marks;
  std::atomic<int> passed{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    marks.push_back(mt::output_mark(ex));
    waiters.emplace_back([&, i, mark = marks.back()] {
      if (::testing::Value(
              ex, mt::EventuallyOutputs("^job " + std::to_string(i) + " done$", 20s, mark))) {
        ++passed;
      }
    });
    echo.send("out:noise " + std::to_string(i));
  }
  for (int i = kWaiters - 1; i >= 0; --i) echo.send("out:job " + std::to_string(i) + " done");
  for (auto& t : waiters) t.join();
  EXPECT_EQ(passed.load(), kWaiters);
}

TEST(GmockEventually, AMarkSurvivesTheRingDroppingBytes) {
  LineEcho echo(mirakuru::Options{.output_limit = 256});
  auto& ex = echo.executor();
  ex.start();
  echo.send("out:processed job 1");
  for (int i = 0; i < 40; ++i) echo.send("out:filler line number " + std::to_string(i));
  echo.send("out:sync 1");
  ASSERT_THAT(ex, mt::EventuallyOutputs("^sync 1$", 10s));
  EXPECT_EQ(ex.output().find("processed job 1"), std::string::npos);  // the ring dropped it
  const auto mark = mt::output_mark(ex);
  EXPECT_EQ(mark.lines(), 43u);
  echo.send("out:processed job 2");
  for (int i = 0; i < 40; ++i) echo.send("out:more filler " + std::to_string(i));
  echo.send("out:sync 2");
  ASSERT_THAT(ex, mt::EventuallyOutputs("^sync 2$", 10s, mark));
  // "processed job 1" came before the mark, "processed job 2" after it, both gone from the ring
  // by now: the mark tells lines, and says what it could no longer look at.
  const auto [matched, why] = explain(mt::EventuallyOutputs("processed job", 50ms, mark), ex);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("42 lines after the mark"));
  EXPECT_THAT(why, HasSubstr("no longer in the capture ring"));
  // A line printed while waiting is seen whatever the ring keeps.
  const auto mark2 = mt::output_mark(ex);
  std::thread later([&] { echo.send("out:processed job 3"); });
  EXPECT_THAT(ex, mt::EventuallyOutputs("processed job 3", 10s, mark2));
  later.join();
}

TEST(GmockEventually, AMarkFromAnEarlierRunMeansSinceTheStart) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto mark = mt::output_mark(ex);
  echo.send("out:first run");
  ASSERT_THAT(ex, mt::EventuallyOutputs("first run", 10s, mark));
  ex.stop();
  ex.start();
  EXPECT_THAT(ex, mt::EventuallyOutputs("line_echo ready", 10s, mark));
  EXPECT_THAT(ex, Not(mt::EventuallyOutputs("first run", 0ms, mark)));
}

TEST(GmockEventually, DescribesItself) {
  EXPECT_EQ(describe(mt::EventuallyOutputs("job 42", 5s)),
            "prints a line matching /job 42/ (stdout or stderr) within 5000 ms since its start");
  EXPECT_EQ(describe(mt::IsRunning()), "is running");
  EXPECT_EQ(describe(Not(mt::IsRunning())), "is not running");
  EXPECT_EQ(describe(mt::HasOutput("x")), "has printed a line matching /x/ (stdout or stderr)");
}

// EXPECT_THAT runs a failing matcher again to explain it: the wait must happen once.
TEST(GmockEventually, AFailedWaitIsWaitedOnce) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto began = Clock::now();
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(ex, mt::EventuallyOutputs("never printed", 1s)),
                          "gave up at the timeout");
  EXPECT_LT(ms_since(began), 1'900);  // twice would be 2 s
}

TEST(GmockEventually, TheFailureMessageHasWhatGoogleTestPrints) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  echo.send("out:processed job 41");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(ex, mt::EventuallyOutputs("processed job 42", 50ms)),
      "Expected: prints a line matching /processed job 42/ (stdout or stderr) within 50 ms");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(ex, mt::EventuallyOutputs("processed job 42", 50ms)),
                          "processed job 41");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(ex, mt::EventuallyOutputs("processed job 42", 50ms)),
                          "(pid ");  // the executor, printed
}

// ---- bad input -------------------------------------------------------------------------------

// A mistake in the test is reported once, as a failure of its own (even under Not()), and the
// assertion fails with the same words; nothing is thrown into GoogleTest.
TEST(GmockBadInput, AnInvalidRegexFailsNamingThePattern) {
  LineEcho echo;
  auto& ex = echo.executor();
  ex.start();
  const auto began = Clock::now();
  auto failures = failures_of([&] { EXPECT_THAT(ex, mt::EventuallyOutputs("job (42", 10s)); });
  EXPECT_LT(ms_since(began), 5'000);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_THAT(failures[0],
              HasSubstr("EventuallyOutputs: mirakuru: invalid output regex /job (42/"));
  EXPECT_THAT(failures[0], HasSubstr("missing )"));  // RE2's reason
  EXPECT_THAT(failures[1], HasSubstr("cannot be evaluated: mirakuru: invalid output regex"));
  failures = failures_of([&] { EXPECT_THAT(ex, mt::HasOutput("a)")); });
  ASSERT_FALSE(failures.empty());
  EXPECT_THAT(failures[0], HasSubstr("invalid output regex /a)/"));
  // Not() cannot turn the mistake into a pass.
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(ex, Not(mt::EventuallyOutputs("[z-a]", 1s))),
                          "invalid output regex /[z-a]/");
}

TEST(GmockBadInput, AMarkFromAnotherExecutorFails) {
  LineEcho a, b;
  a.executor().start();
  b.executor().start();
  const auto mark = mt::output_mark(b.executor());
  auto failures =
      failures_of([&] { EXPECT_THAT(a.executor(), mt::EventuallyOutputs("ready", 1s, mark)); });
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_THAT(failures[0], HasSubstr("OutputMark taken from another executor"));
  failures = failures_of(
      [&] { EXPECT_THAT(a.executor(), mt::EventuallyOutputs("ready", 1s, mt::OutputMark())); });
  ASSERT_FALSE(failures.empty());
  EXPECT_THAT(failures[0], HasSubstr("belongs to no executor"));
}

TEST(GmockBadInput, AnExecutorNeverStartedFailsSayingSo) {
  mirakuru::SimpleExecutor never("sleep 300");
  const auto began = Clock::now();
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(never, mt::EventuallyOutputs("x", 30s)), "was never started");
  EXPECT_LT(ms_since(began), 5'000);
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(never, mt::HasOutput("x")), "was never started");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(never, mt::IsRunning()), "was never started");
}

TEST(GmockBadInput, UncapturedOutputFailsSayingSo) {
  mirakuru::SimpleExecutor quiet(
      "sleep 300", {.stdout_mode = mirakuru::Stdio::Null, .stderr_mode = mirakuru::Stdio::Null});
  quiet.start();
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(quiet, mt::EventuallyOutputs("x", 30s)),
                          "neither stdout nor stderr is captured");
}

// ---- on a service set's executor -------------------------------------------------------------

TEST(GmockServices, WorksOnAServiceSetsExecutor) {
  auto set = mirakuru::ServiceSet::from_json(nlohmann::json::parse(R"({"services": {"worker": {
      "command": ["sh", "-c", "echo worker up; echo processed job 42 >&2; exec sleep 300"],
      "ready": {"output": {"banner": "worker up"}}, "timeout": "20s"}}})"));
  set.start();
  const mirakuru::SimpleExecutor& worker = set.executor("worker");
  EXPECT_THAT(worker, mt::IsRunning());
  EXPECT_THAT(worker, mt::EventuallyOutputs("processed job 42", 10s));
  set.stop();
  EXPECT_THAT(worker, Not(mt::IsRunning()));
}
