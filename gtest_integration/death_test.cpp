#include "death_test.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

namespace mirakuru::gtest::detail {
namespace {

nlohmann::json read_variable() {
  const char* text = std::getenv(kEndpointsVariable);  // NOLINT(concurrency-mt-unsafe)
  if (text == nullptr || *text == '\0') return nullptr;
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("pid") || !doc["pid"].is_number_integer() ||
      !doc.contains("scopes") || !doc["scopes"].is_object()) {
    return nullptr;
  }
  return doc;
}

// Only what this very process published counts: a test binary run by another one inherits
// its runner's variable, which must not be mistaken for our own (or our parent's) services.
nlohmann::json own_variable() {
  auto doc = read_variable();
  if (doc.is_null() || doc["pid"].get<long>() != static_cast<long>(::getpid())) {
    return {{"pid", static_cast<long>(::getpid())}, {"scopes", nlohmann::json::object()}};
  }
  return doc;
}

}  // namespace

bool in_death_test_child() {
#ifdef GTEST_FLAG_GET
  return !GTEST_FLAG_GET(internal_run_death_test).empty();
#else
  return !::testing::GTEST_FLAG(internal_run_death_test).empty();
#endif
}

void publish(const std::string& key, const nlohmann::json& endpoints) {
  auto doc = own_variable();
  doc["scopes"][key] = endpoints;
  ::setenv(kEndpointsVariable, doc.dump().c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
}

void unpublish(const std::string& key) {
  auto doc = own_variable();
  doc["scopes"].erase(key);
  if (doc["scopes"].empty()) {
    ::unsetenv(kEndpointsVariable);  // NOLINT(concurrency-mt-unsafe)
  } else {
    ::setenv(kEndpointsVariable, doc.dump().c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  }
}

std::optional<nlohmann::json> published(const std::string& key) {
  auto doc = read_variable();
  if (doc.is_null() || doc["pid"].get<long>() != static_cast<long>(::getppid())) {
    return std::nullopt;
  }
  auto it = doc["scopes"].find(key);
  if (it == doc["scopes"].end()) return std::nullopt;
  return *it;
}

}  // namespace mirakuru::gtest::detail
