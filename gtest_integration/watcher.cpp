#include "watcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "printer.hpp"
#include "repeat.hpp"
#include "report.hpp"
#include "scope.hpp"
#include "timeline_listener.hpp"

namespace mirakuru::gtest::detail {
namespace {

std::string full_name(const ::testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

void report(const ::testing::TestInfo& test, const std::vector<std::string>& deaths) {
  for (const auto& message : deaths) ADD_FAILURE_AT(test.file(), test.line()) << message;
}

// GoogleTest calls the *End events in reverse order of registration, so this listener (added
// after the default printer) records its failures before the printer reports the result.
class Watcher : public ::testing::EmptyTestEventListener {
 public:
  void OnTestIterationStart(const ::testing::UnitTest&, int iteration) override {
    set_current_iteration(iteration);
  }

  void OnTestStart(const ::testing::TestInfo& test) override {
    await_termination_if_interrupted();  // no test runs against services being stopped
    // A service that died between two tests fails the next one instead of going unnoticed;
    // the message names both tests, so nobody blames this one's code.
    for (Scope* scope : watched()) {
      report(test, scope->take_deaths(scope->between_tests(full_name(test))));
    }
    // Also called for the tests GoogleTest skips after a failed global set-up: a failure
    // makes them FAILED, not SKIPPED (which ctest would count as passed).
    for (Scope* scope : watched()) {
      if (!scope->start_failed()) continue;
      ADD_FAILURE_AT(test.file(), test.line())
          << "mirakuru: " << full_name(test) << " did not run: the services of " << scope->label()
          << " did not start (the full error is above, under the global set-up):\n"
          << scope->cause();
    }
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    for (Scope* scope : watched()) {
      report(test, scope->take_deaths("during test " + full_name(test)));
      scope->test_ended(full_name(test));
    }
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
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  wrap_result_printer(listeners);  // before the watcher, whose OnTestEnd must run first
  listeners.Append(new Watcher);
  ensure_timeline_listener();
}

}  // namespace mirakuru::gtest::detail
