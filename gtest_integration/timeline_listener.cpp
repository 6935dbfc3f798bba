#include "timeline_listener.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "mirakuru/timeline.hpp"

namespace mirakuru::gtest::detail {
namespace {

class TimelineListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override { began_ = timeline::Clock::now(); }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    const auto* result = test.result();
    const char* outcome = result->Failed() ? "failed" : result->Skipped() ? "skipped" : "passed";
    timeline::record({"tests",
                      std::string(test.test_suite_name()) + "." + test.name(),
                      began_,
                      timeline::Clock::now(),
                      {{"result", std::string(outcome)}}});
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    // The global environments are torn down by now: their stops are on the timeline.
    timeline::write_trace();
    if (!timeline::summary_requested()) return;
    const std::string text = timeline::summary(timeline::events());
    std::fputs(text.empty() ? "[ mirakuru ] summary: no service was started in this process\n"
                            : text.c_str(),
               stdout);
    std::fflush(stdout);
  }

 private:
  timeline::Clock::time_point began_;
};

}  // namespace

void ensure_timeline_listener() {
  static std::atomic<bool> installed{false};
  if (!timeline::enabled() || installed.exchange(true)) return;
  ::testing::UnitTest::GetInstance()->listeners().Append(new TimelineListener);
}

}  // namespace mirakuru::gtest::detail
