// Reading a service set's JSON with messages that name the JSON pointer of every mistake.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {

// "/services/api" + "a/b" -> "/services/api/a~1b" (RFC 6901 escaping).
std::string json_child(const std::string& path, std::string_view key);
std::string json_child(const std::string& path, std::size_t index);

// Throws ConfigError(path, "PATH: MESSAGE"); every message of this layer has that shape.
[[noreturn]] void config_error(const std::string& path, const std::string& message);

// A short description of a JSON value for messages: `"aut"`, `true`, `an object`.
std::string describe_json(const nlohmann::json& value);

// The closest of `candidates` to `word` when it is a plausible typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// An object whose keys are checked against a fixed list.
class JsonObject {
 public:
  // Throws ConfigError when `value` is not an object or has a key outside `allowed`.
  JsonObject(const nlohmann::json& value, std::string path, std::vector<std::string> allowed);

  const nlohmann::json* find(std::string_view key) const;
  std::string path(std::string_view key) const { return json_child(path_, key); }
  const std::string& path() const { return path_; }
  const nlohmann::json& json() const { return value_; }

  // Typed getters: nullopt-like defaults when absent, ConfigError on a wrong type.
  std::string string(std::string_view key, const std::string& fallback = {}) const;
  bool boolean(std::string_view key, bool fallback) const;

 private:
  const nlohmann::json& value_;
  std::string path_;
};

// ConfigError unless `value` is a string.
const std::string& expect_string(const nlohmann::json& value, const std::string& path,
                                 std::string_view what = "a string");

}  // namespace mirakuru::detail
