#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "keeper_attach.hpp"
#include "mirakuru/gtest.hpp"
#include "scope.hpp"
#include "watcher.hpp"

namespace mirakuru::gtest {
namespace {

// Environments in construction order. The index is the scope key a death-test child uses to
// find its parent's endpoints: the child runs the same main() and registers the same ones.
struct Environments {
  std::mutex mutex;
  std::vector<ServiceEnvironment*> list;
  std::size_t created = 0;
};

Environments& environments() {
  static auto* instance = new Environments;  // never deleted: used from destructors at exit
  return *instance;
}

std::size_t enroll(ServiceEnvironment* environment) {
  auto& e = environments();
  std::lock_guard lock(e.mutex);
  e.list.push_back(environment);
  return e.created++;
}

// Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string&&.
std::string quoted(const std::filesystem::path& path) {
  std::string text(1, '\'');
  text.append(path.string()).push_back('\'');
  return text;
}

std::unique_ptr<detail::Scope> file_scope(std::size_t index, std::filesystem::path file) {
  std::string source = quoted(file);
  return std::make_unique<detail::Scope>(
      "env:" + std::to_string(index), detail::Level::Environment, source,
      [file = std::move(file)] { return detail::environment_set(file); });
}

std::string label(std::size_t index) {
  return "global ServiceEnvironment #" + std::to_string(index);
}

}  // namespace

ServiceEnvironment::ServiceEnvironment(std::filesystem::path config_file) : index_(enroll(this)) {
  scope_ = file_scope(index_, std::move(config_file));
  detail::ensure_watcher();
}

ServiceEnvironment::ServiceEnvironment(const char* config_file)
    : ServiceEnvironment(std::filesystem::path(config_file)) {}

ServiceEnvironment::ServiceEnvironment(const std::string& config_file)
    : ServiceEnvironment(std::filesystem::path(config_file)) {}

ServiceEnvironment::ServiceEnvironment(const nlohmann::json& config, std::filesystem::path base_dir)
    : index_(enroll(this)) {
  scope_ = std::make_unique<detail::Scope>(
      "env:" + std::to_string(index_), detail::Level::Environment, "a JSON document",
      [config, base_dir = std::move(base_dir)] { return ServiceSet::from_json(config, base_dir); });
  detail::ensure_watcher();
}

ServiceEnvironment::ServiceEnvironment(SetDescription description, std::filesystem::path base_dir)
    : index_(enroll(this)) {
  scope_ = std::make_unique<detail::Scope>(
      "env:" + std::to_string(index_), detail::Level::Environment, "a C++ description",
      [description = std::move(description), base_dir = std::move(base_dir)] {
        return ServiceSet::from_description(description, base_dir);
      });
  detail::ensure_watcher();
}

ServiceEnvironment::ServiceEnvironment(ServiceSet set) : index_(enroll(this)) {
  scope_ = std::make_unique<detail::Scope>("env:" + std::to_string(index_),
                                           detail::Level::Environment, std::move(set));
  detail::ensure_watcher();
}

ServiceEnvironment::~ServiceEnvironment() {
  auto& e = environments();
  std::lock_guard lock(e.mutex);
  for (auto& entry : e.list) {
    if (entry == this) entry = nullptr;  // keep the indexes of the others
  }
}

void ServiceEnvironment::SetUp() {
  std::string error = scope_->set_up(label(index_));
  // Environment::SetUp has no exception guard of its own and only a fatal failure makes
  // GoogleTest skip the tests, so the error is reported as one.
  if (!error.empty()) GTEST_FAIL() << error;
}

void ServiceEnvironment::TearDown() {
  std::string error = scope_->tear_down(::testing::UnitTest::GetInstance()->Failed());
  if (!error.empty()) ADD_FAILURE() << error;
}

ServiceSet& ServiceEnvironment::services() { return scope_->services(); }

ServiceSet& services(std::size_t index) {
  ServiceEnvironment* environment = nullptr;
  std::size_t count = 0;
  {
    auto& e = environments();
    std::lock_guard lock(e.mutex);
    count = e.list.size();
    if (index < count) environment = e.list[index];
  }
  if (environment == nullptr) {
    throw std::out_of_range("mirakuru::gtest::services(" + std::to_string(index) +
                            "): there is no such ServiceEnvironment (" + std::to_string(count) +
                            " were created); register one with "
                            "::testing::AddGlobalTestEnvironment or --mirakuru_services=FILE");
  }
  return environment->services();
}

ServiceSet& services() {
  {
    auto& e = environments();
    std::lock_guard lock(e.mutex);
    if (e.list.empty()) {
      throw std::logic_error(
          "mirakuru::gtest::services(): no ServiceEnvironment is registered; add one with "
          "::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(FILE)) "
          "or link mirakuru::gtest_main and pass --mirakuru_services=FILE");
    }
  }
  return services(0);
}

}  // namespace mirakuru::gtest
