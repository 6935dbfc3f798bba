// Process-wide lists that outlive every GoogleTest object: they are allocated once and never
// destroyed, so nothing here depends on static destruction order.
#include <algorithm>
#include <mutex>
#include <vector>

#include "scope.hpp"

namespace mirakuru::gtest::detail {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<Scope*> watched;
  std::vector<std::unique_ptr<ServiceSet>> immortal;
};

Registry& registry() {
  static auto* instance = new Registry;  // never deleted, see above
  return *instance;
}

}  // namespace

void watch(Scope* scope) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (std::find(r.watched.begin(), r.watched.end(), scope) == r.watched.end()) {
    r.watched.push_back(scope);
  }
}

void unwatch(Scope* scope) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.watched.erase(std::remove(r.watched.begin(), r.watched.end(), scope), r.watched.end());
}

std::vector<Scope*> watched() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.watched;
}

void immortalize(std::unique_ptr<ServiceSet> set) {
  if (!set) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.immortal.push_back(std::move(set));
}

}  // namespace mirakuru::gtest::detail
