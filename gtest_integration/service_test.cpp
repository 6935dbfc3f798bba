#include <string>

#include "mirakuru/gtest.hpp"
#include "report.hpp"
#include "scope.hpp"
#include "watcher.hpp"

namespace mirakuru::gtest {
namespace {

const ::testing::TestInfo* current_test() {
  return ::testing::UnitTest::GetInstance()->current_test_info();
}

std::string test_name() {
  const auto* info = current_test();
  return info ? std::string(info->test_suite_name()) + "." + info->name() : "?";
}

// A death-test child re-runs the same test, so the test's full name finds the parent's set.
std::string test_key() { return "test:" + test_name(); }

}  // namespace

ServiceTest::ServiceTest(std::filesystem::path config_file) {
  std::string source(1, '\'');  // not "'" + string&&: a false -Wrestrict of GCC 12 at -O3
  source.append(config_file.string()).push_back('\'');
  scope_ = std::make_unique<detail::Scope>(
      test_key(), detail::Level::Test, std::move(source),
      [file = std::move(config_file)] { return ServiceSet::from_file(file); });
}

ServiceTest::ServiceTest(const char* config_file)
    : ServiceTest(std::filesystem::path(config_file)) {}

ServiceTest::ServiceTest(const std::string& config_file)
    : ServiceTest(std::filesystem::path(config_file)) {}

ServiceTest::ServiceTest(const nlohmann::json& config, std::filesystem::path base_dir) {
  scope_ = std::make_unique<detail::Scope>(
      test_key(), detail::Level::Test, "a JSON document",
      [config, base_dir = std::move(base_dir)] { return ServiceSet::from_json(config, base_dir); });
}

ServiceTest::ServiceTest(SetDescription description, std::filesystem::path base_dir) {
  scope_ = std::make_unique<detail::Scope>(
      test_key(), detail::Level::Test, "a C++ description",
      [description = std::move(description), base_dir = std::move(base_dir)] {
        return ServiceSet::from_description(description, base_dir);
      });
}

ServiceTest::ServiceTest(ServiceSet set) {
  scope_ = std::make_unique<detail::Scope>(test_key(), detail::Level::Test, std::move(set));
}

ServiceTest::~ServiceTest() = default;

void ServiceTest::SetUp() {
  detail::ensure_watcher();
  std::string error = scope_->set_up("test " + test_name());
  if (!error.empty()) GTEST_FAIL() << error;
}

void ServiceTest::TearDown() {
  for (const auto& message : scope_->take_deaths("during test " + test_name())) {
    ADD_FAILURE() << message;
  }
  // The watcher prints the longer-lived scopes' logs; this set is gone by then.
  if (HasFailure()) {
    std::string text = scope_->log_tails(log_tail_lines());
    if (!text.empty()) detail::print(text);
  }
  std::string error = scope_->tear_down(HasFailure());
  if (!error.empty()) ADD_FAILURE() << error;
}

ServiceSet& ServiceTest::services() { return scope_->services(); }

}  // namespace mirakuru::gtest
