// The GoogleMock matchers of <mirakuru/gmock.hpp>. Each one turns what the core says
// (SimpleExecutor::running(), returncode(), wait_for_output()) into a verdict and a sentence; the
// output matchers add the tail of the output, so a failure shows what the service did print.
#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "mirakuru/errors.hpp"
#include "mirakuru/gmock.hpp"
#include "report.hpp"

namespace mirakuru {

std::ostream& operator<<(std::ostream& os, const SimpleExecutor& executor) {
  os << "'" << executor.command().str() << "'";
  if (executor.running()) return os << " (pid " << executor.pid() << ", running)";
  if (const auto code = executor.returncode())
    return os << " (" << describe_returncode(*code) << ")";
  return os << " (not started)";
}

namespace testing {

namespace {

constexpr std::size_t kTailLines = 20;

// The last lines of both streams, labelled, for explanations.
std::string output_tail(const SimpleExecutor& executor) {
  std::string text;
  for (auto [label, bytes] :
       {std::pair{"stdout", executor.output()}, std::pair{"stderr", executor.err_output()}}) {
    if (bytes.empty()) continue;
    text += std::string("\n  --- last ") + label + " ---\n" +
            gtest::detail::tail(bytes, kTailLines, "    ", 4096);
  }
  return text.empty() ? "\n  (no output captured)" : text;
}

std::string state_of(const SimpleExecutor& executor) {
  if (executor.running()) return "is running (pid " + std::to_string(executor.pid()) + ")";
  if (const auto code = executor.returncode()) return describe_returncode(*code);
  return "was never started";
}

struct Verdict {
  bool matched = false;
  std::string explanation;
};

// EXPECT_THAT runs a failing matcher a second time to explain it, and AllOf/AnyOf/Not may do the
// same; an output matcher may have waited seconds, and must report bad input once. The verdict of
// the last evaluation is kept for that rerun — same executor, same thread, moments later, same
// process — instead of waiting again (and perhaps answering otherwise).
class RememberingMatcher : public ::testing::MatcherInterface<const SimpleExecutor&> {
 public:
  bool MatchAndExplain(const SimpleExecutor& executor,
                       ::testing::MatchResultListener* listener) const final {
    std::optional<Verdict> verdict;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (last_ && last_executor_ == &executor && last_thread_ == std::this_thread::get_id() &&
          last_pid_ == executor.pid() &&
          std::chrono::steady_clock::now() - last_at_ < std::chrono::seconds(1)) {
        verdict = std::move(last_);
      }
      last_.reset();
    }
    if (!verdict) {
      verdict = evaluate(executor);
      std::lock_guard<std::mutex> lock(mutex_);
      last_ = verdict;
      last_executor_ = &executor;
      last_thread_ = std::this_thread::get_id();
      last_pid_ = executor.pid();
      last_at_ = std::chrono::steady_clock::now();
    }
    *listener << verdict->explanation;
    return verdict->matched;
  }

 protected:
  virtual Verdict evaluate(const SimpleExecutor& executor) const = 0;

 private:
  mutable std::mutex mutex_;
  mutable std::optional<Verdict> last_;
  mutable const SimpleExecutor* last_executor_ = nullptr;
  mutable std::thread::id last_thread_;
  mutable pid_t last_pid_ = -1;
  mutable std::chrono::steady_clock::time_point last_at_;
};

// Bad input (an invalid regex, a foreign mark) is the test's mistake, not a verdict: it fails
// the test even under Not(), and never escapes as an exception.
Verdict misuse(const std::string& matcher, const std::string& what) {
  ADD_FAILURE() << "mirakuru::testing::" << matcher << ": " << what;
  return {false, "cannot be evaluated: " + what};
}

class IsRunningMatcher final : public ::testing::MatcherInterface<const SimpleExecutor&> {
 public:
  bool MatchAndExplain(const SimpleExecutor& executor,
                       ::testing::MatchResultListener* listener) const override {
    const bool running = executor.running();
    *listener << "which " << state_of(executor);
    if (!running && executor.returncode()) *listener << output_tail(executor);
    return running;
  }
  void DescribeTo(std::ostream* os) const override { *os << "is running"; }
  void DescribeNegationTo(std::ostream* os) const override { *os << "is not running"; }
};

class ExitedWithMatcher final : public ::testing::MatcherInterface<const SimpleExecutor&> {
 public:
  explicit ExitedWithMatcher(::testing::Matcher<int> code) : code_(std::move(code)) {}

  bool MatchAndExplain(const SimpleExecutor& executor,
                       ::testing::MatchResultListener* listener) const override {
    if (executor.running()) {
      *listener << "which is still running (pid " << executor.pid() << ")";
      return false;
    }
    const auto code = executor.returncode();
    if (!code) {
      *listener << "which was never started";
      return false;
    }
    ::testing::StringMatchResultListener inner;
    const bool matched = code_.MatchAndExplain(*code, &inner);
    *listener << "which " << describe_returncode(*code) << " (returncode " << *code << ")";
    if (!inner.str().empty()) *listener << ", " << inner.str();
    if (!matched) *listener << output_tail(executor);
    return matched;
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "has exited with a returncode that ";
    code_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "is running, was never started, or exited with a returncode that ";
    code_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<int> code_;
};

std::string where(const OutputWait& got) {
  return std::string(got.stream == Stream::Out ? "stdout" : "stderr") + " line " +
         std::to_string(got.line_number) + ": \"" + got.line + "\"";
}

class HasOutputMatcher final : public RememberingMatcher {
 public:
  explicit HasOutputMatcher(std::string regex) : regex_(std::move(regex)) {}

  void DescribeTo(std::ostream* os) const override {
    *os << "has printed a line matching /" << regex_ << "/ (stdout or stderr)";
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "has printed no line matching /" << regex_ << "/ (stdout or stderr)";
  }

 protected:
  Verdict evaluate(const SimpleExecutor& executor) const override {
    OutputWait got;
    try {
      got = executor.wait_for_output(regex_, std::chrono::milliseconds(0));
    } catch (const std::invalid_argument& e) {
      return misuse("HasOutput", e.what());
    }
    using O = OutputWait::Outcome;
    switch (got.outcome) {
      case O::Matched:
        return {true, "whose " + where(got) + " matches"};
      case O::NotStarted:
      case O::NotCaptured:
        return {false, "but " + got.describe()};
      default:
        break;
    }
    std::string text = "none of whose " + std::to_string(got.lines_after) + " line" +
                       (got.lines_after == 1 ? "" : "s") + " matches";
    if (got.lines_lost > 0) {
      text +=
          " (the first " + std::to_string(got.lines_lost) + " are no longer in the capture ring)";
    }
    return {false, text + output_tail(executor)};
  }

 private:
  std::string regex_;
};

class EventuallyOutputsMatcher final : public RememberingMatcher {
 public:
  EventuallyOutputsMatcher(std::string regex, std::chrono::milliseconds timeout,
                           std::optional<OutputMark> mark)
      : regex_(std::move(regex)), timeout_(timeout), mark_(mark) {}

  void DescribeTo(std::ostream* os) const override {
    *os << "prints a line matching /" << regex_ << "/ (stdout or stderr) within "
        << timeout_.count() << " ms" << since();
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "prints no line matching /" << regex_ << "/ within " << timeout_.count() << " ms"
        << since();
  }

 protected:
  Verdict evaluate(const SimpleExecutor& executor) const override {
    OutputWait got;
    try {
      got = executor.wait_for_output(regex_, timeout_, mark_);
    } catch (const std::invalid_argument& e) {
      return misuse("EventuallyOutputs", e.what());
    }
    if (got) return {true, "whose " + where(got) + " matched after " + waited(got)};
    using O = OutputWait::Outcome;
    std::string text;
    switch (got.outcome) {
      case O::NotStarted:
      case O::NotCaptured:
        return {false, "but " + got.describe()};
      case O::Timeout:
        text = "which printed no matching line: gave up at the timeout after " + waited(got) +
               " (the process is still running)";
        break;
      case O::Exited:
        text = "which printed no matching line: stopped waiting after " + waited(got) +
               " because the process " +
               (got.returncode ? describe_returncode(*got.returncode) : std::string("exited"));
        break;
      case O::OutputClosed:
        text = "which printed no matching line: stopped waiting after " + waited(got) +
               " because its output ended (EOF on every captured stream)";
        break;
      case O::Matched:
        break;
    }
    text += "; " + std::to_string(got.lines_after) + " line" + (got.lines_after == 1 ? "" : "s") +
            (mark_ ? " after the mark" : " since the start");
    if (got.lines_lost > 0) {
      text += " (" + std::to_string(got.lines_lost) +
              " of them no longer in the capture ring when the wait began)";
    }
    return {false, text + output_tail(executor)};
  }

 private:
  static std::string waited(const OutputWait& got) {
    const double ms = std::chrono::duration<double, std::milli>(got.waited).count();
    char text[32];
    std::snprintf(text, sizeof text, ms < 1 ? "%.3f ms" : "%.1f ms", ms);
    return text;
  }
  std::string since() const {
    return mark_ ? " after the mark (" + std::to_string(mark_->lines()) + " lines in)"
                 : " since its start";
  }

  std::string regex_;
  std::chrono::milliseconds timeout_;
  std::optional<OutputMark> mark_;
};

}  // namespace

OutputMark output_mark(const SimpleExecutor& executor) { return executor.output_mark(); }

::testing::Matcher<const SimpleExecutor&> IsRunning() {
  return ::testing::MakeMatcher(new IsRunningMatcher());
}

::testing::Matcher<const SimpleExecutor&> ExitedWith(::testing::Matcher<int> code) {
  return ::testing::MakeMatcher(new ExitedWithMatcher(std::move(code)));
}

::testing::Matcher<const SimpleExecutor&> HasOutput(std::string regex) {
  return ::testing::MakeMatcher(new HasOutputMatcher(std::move(regex)));
}

::testing::Matcher<const SimpleExecutor&> EventuallyOutputs(std::string regex,
                                                            std::chrono::milliseconds timeout) {
  return ::testing::MakeMatcher(
      new EventuallyOutputsMatcher(std::move(regex), timeout, std::nullopt));
}

::testing::Matcher<const SimpleExecutor&> EventuallyOutputs(std::string regex,
                                                            std::chrono::milliseconds timeout,
                                                            OutputMark mark) {
  return ::testing::MakeMatcher(new EventuallyOutputsMatcher(std::move(regex), timeout, mark));
}

}  // namespace testing
}  // namespace mirakuru
