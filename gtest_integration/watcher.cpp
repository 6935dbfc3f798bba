#include "watcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "report.hpp"
#include "scope.hpp"

namespace mirakuru::gtest::detail {
namespace {

std::string full_name(const ::testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

void report_deaths(const ::testing::TestInfo& test, const std::string& when) {
  for (Scope* scope : watched()) {
    for (const auto& message : scope->take_deaths(when)) {
      ADD_FAILURE_AT(test.file(), test.line()) << message;
    }
  }
}

// GoogleTest calls the *End events in reverse order of registration, so this listener (added
// after the default printer) records its failures before the printer reports the result.
class Watcher : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& test) override {
    // A service that died between two tests fails the next one instead of going unnoticed.
    report_deaths(test, "before test " + full_name(test) + " started");
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    report_deaths(test, "during test " + full_name(test));
    if (!test.result()->Failed()) return;
    std::string text;
    for (Scope* scope : watched()) text += scope->log_tails(log_tail_lines());
    if (!text.empty()) print(text);
  }
};

}  // namespace

void ensure_watcher() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  ::testing::UnitTest::GetInstance()->listeners().Append(new Watcher);
}

}  // namespace mirakuru::gtest::detail
