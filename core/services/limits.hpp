// The limits of the service-set format: one rule and one message per value, used by the JSON
// parser on the JSON value and by set_spec() on a C++ description's value (as nlohmann::json).
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace mirakuru::detail {

// Each returns the value or throws ConfigError naming `path` ("expected ..., got VALUE").
int port_number(const nlohmann::json& value, const std::string& path);      // 1-65535
int banner_times(const nlohmann::json& value, const std::string& path);     // 1-1000000
int health_failures(const nlohmann::json& value, const std::string& path);  // 1-1000
std::chrono::milliseconds health_interval(const nlohmann::json& value, const std::string& path);
int exit_code(const nlohmann::json& value, const std::string& path);  // -64..255
std::size_t output_limit(const nlohmann::json& value, const std::string& path);
int retries(const nlohmann::json& value, const std::string& path);  // 0-100
std::chrono::milliseconds retry_delay(const nlohmann::json& value, const std::string& path);

// NUL cannot pass through a command line, the environment or a path: the text would be cut
// there silently ("/tmp\u0000/nope" would run in /tmp). ConfigError naming `path` (of the string,
// or of the key — shown with the NUL escaped, as what() is a C string).
void reject_nul_string(const std::string& value, const std::string& path);
void reject_nul_key(const std::string& key, const std::string& path);

// ConfigError at `path` unless `method` is an HTTP method in capitals ("GET").
void check_http_method(const std::string& method, const std::string& path);

// "\"all\" / \"any\" cannot be nested: list the single checks" at `path`.
[[noreturn]] void nested_checks_error(const std::string& path);

// "expected a non-empty array of readiness checks ..., got GOT" at `path`.
[[noreturn]] void no_checks_error(const std::string& path, const nlohmann::json& got);

}  // namespace mirakuru::detail
