// Helpers for the service-set tests: JSON with the fixture's path in ${vars.svc}.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"
#include "test_support.hpp"

namespace mirakuru::test {

// Timing bounds are meant for normal builds; sanitizers slow every process start down.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kTimeScale = 4;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr int kTimeScale = 4;
#else
inline constexpr int kTimeScale = 1;
#endif
#else
inline constexpr int kTimeScale = 1;
#endif

// Parses `json` and adds "vars": {"svc": "<path of mk_svc_service>"}.
inline nlohmann::json with_svc(const std::string& json) {
  nlohmann::json config = nlohmann::json::parse(json);
  config["vars"]["svc"] = fixture("svc_service");
  return config;
}

inline ServiceSet svc_set(const std::string& json) { return ServiceSet::from_json(with_svc(json)); }

// Sets an environment variable for the scope of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The error from_string(json) throws (fails the test when it does not throw).
inline ConfigError error_of(const std::string& json) {
  try {
    ServiceSet::from_string(json);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for " << json;
  return ConfigError("", "");
}

inline void expect_error(const std::string& json, const std::string& path,
                         const std::string& message) {
  const ConfigError e = error_of(json);
  EXPECT_EQ(e.json_path(), path) << e.what();
  EXPECT_THAT(e.what(), ::testing::HasSubstr(message));
  if (!path.empty()) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(path + ": "));
  }
}

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mirakuru::test
