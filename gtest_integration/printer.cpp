#include "printer.hpp"

#include <memory>

namespace mirakuru::gtest::detail {
namespace {

using ::testing::TestEventListener;
using ::testing::TestInfo;
using ::testing::UnitTest;

// Forwards every event to GoogleTest's printer, except the skip GoogleTest adds (with an empty
// message) to a test that has already failed: that test is reported FAILED anyway.
class FailedNotSkipped : public TestEventListener {
 public:
  explicit FailedNotSkipped(TestEventListener* printer) : printer_(printer) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    // Not UnitTest::current_test_info(): GoogleTest may hold the lock it takes while it calls us.
    if (result.skipped() && *result.message() == '\0' && test_ != nullptr &&
        test_->result()->Failed()) {
      return;
    }
    printer_->OnTestPartResult(result);
  }

  void OnTestProgramStart(const UnitTest& unit) override { printer_->OnTestProgramStart(unit); }
  void OnTestIterationStart(const UnitTest& unit, int i) override {
    printer_->OnTestIterationStart(unit, i);
  }
  void OnEnvironmentsSetUpStart(const UnitTest& unit) override {
    printer_->OnEnvironmentsSetUpStart(unit);
  }
  void OnEnvironmentsSetUpEnd(const UnitTest& unit) override {
    printer_->OnEnvironmentsSetUpEnd(unit);
  }
  void OnTestSuiteStart(const ::testing::TestSuite& suite) override {
    printer_->OnTestSuiteStart(suite);
  }
#ifndef GTEST_REMOVE_LEGACY_TEST_CASEAPI_
  void OnTestCaseStart(const ::testing::TestCase& suite) override {
    printer_->OnTestCaseStart(suite);
  }
  void OnTestCaseEnd(const ::testing::TestCase& suite) override { printer_->OnTestCaseEnd(suite); }
#endif
  void OnTestStart(const TestInfo& test) override {
    test_ = &test;
    printer_->OnTestStart(test);
  }
  void OnTestDisabled(const TestInfo& test) override { printer_->OnTestDisabled(test); }
  void OnTestEnd(const TestInfo& test) override {
    printer_->OnTestEnd(test);
    test_ = nullptr;
  }
  void OnTestSuiteEnd(const ::testing::TestSuite& suite) override {
    printer_->OnTestSuiteEnd(suite);
  }
  void OnEnvironmentsTearDownStart(const UnitTest& unit) override {
    printer_->OnEnvironmentsTearDownStart(unit);
  }
  void OnEnvironmentsTearDownEnd(const UnitTest& unit) override {
    printer_->OnEnvironmentsTearDownEnd(unit);
  }
  void OnTestIterationEnd(const UnitTest& unit, int i) override {
    printer_->OnTestIterationEnd(unit, i);
  }
  void OnTestProgramEnd(const UnitTest& unit) override { printer_->OnTestProgramEnd(unit); }

 private:
  std::unique_ptr<TestEventListener> printer_;
  const TestInfo* test_ = nullptr;  // the test between its OnTestStart and OnTestEnd
};

}  // namespace

void wrap_result_printer(::testing::TestEventListeners& listeners) {
  TestEventListener* printer = listeners.default_result_printer();
  if (printer == nullptr) return;
  listeners.Release(printer);
  listeners.Append(new FailedNotSkipped(printer));
}

}  // namespace mirakuru::gtest::detail
