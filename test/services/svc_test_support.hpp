// Helpers for the service-set tests: JSON with the fixture's path in ${vars.svc}.
#pragma once

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

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

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mirakuru::test
