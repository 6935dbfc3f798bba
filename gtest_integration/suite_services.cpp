#include <map>
#include <mutex>
#include <string>

#include "death_test.hpp"
#include "mirakuru/gtest.hpp"
#include "scope.hpp"
#include "watcher.hpp"

namespace mirakuru::gtest::detail {
namespace {

std::string suite_name() {
  const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  return suite ? suite->name() : "?";
}

struct Suites {
  std::mutex mutex;
  std::map<std::string, Scope*> scopes;  // never deleted: suites may run again (repeat)
};

Suites& suites() {
  static auto* instance = new Suites;
  return *instance;
}

}  // namespace

Scope& SuiteHooks::scope(const char* key, SetFactory factory) {
  auto& s = suites();
  std::lock_guard lock(s.mutex);
  Scope*& scope = s.scopes[key];
  if (scope == nullptr) {
    scope = new Scope(std::string("suite:") + key, Level::Suite, "ServicesConfig()", factory);
  }
  return *scope;
}

void SuiteHooks::set_up(Scope& scope) {
  ensure_watcher();
  // The error is kept, not reported here: GoogleTest skips every test of a suite whose
  // SetUpTestSuite failed, and a service that does not start must fail the tests instead.
  (void)scope.set_up("test suite " + suite_name());
}

void SuiteHooks::tear_down(Scope& scope) {
  const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  std::string error = scope.tear_down(suite == nullptr || suite->Failed());
  if (!error.empty()) ADD_FAILURE() << error;
}

namespace {
void fail(const std::string& message) { GTEST_FAIL() << message; }
}  // namespace

void SuiteHooks::fail_if_not_started(Scope& scope) {
  // In a death-test child an unreachable parent set is reported by services() if it is used.
  if (scope.started() || in_death_test_child()) return;
  if (!scope.error().empty()) {
    fail(scope.error());
  } else {
    fail("mirakuru: the services of test suite " + suite_name() +
         " were not set up: a suite that redefines SetUpTestSuite() must call "
         "SuiteServices::SetUpTestSuite()");
  }
}

ServiceSet& SuiteHooks::services(Scope& scope) { return scope.services(); }

}  // namespace mirakuru::gtest::detail
