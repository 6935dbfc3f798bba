#include "services/limits.hpp"

#include <algorithm>
#include <cctype>

#include "executors/retry.hpp"
#include "services/json_reader.hpp"
#include "services/scalars.hpp"

namespace mirakuru::detail {

namespace {

constexpr std::chrono::milliseconds kMinInterval{10};
constexpr std::chrono::milliseconds kMaxInterval{std::chrono::hours(1)};
constexpr int kMaxFailures = 1000;

int int_in(const nlohmann::json& value, const std::string& path, long long lo, long long hi,
           std::string_view what) {
  return static_cast<int>(integer_from_json(value, path, lo, hi, what));
}

}  // namespace

int port_number(const nlohmann::json& value, const std::string& path) {
  return int_in(value, path, 1, 65535, "a port number (1-65535) or \"auto\"");
}

int banner_times(const nlohmann::json& value, const std::string& path) {
  return int_in(value, path, 1, 1'000'000, "how many times the banner must be seen");
}

int health_failures(const nlohmann::json& value, const std::string& path) {
  return int_in(value, path, 1, kMaxFailures, "how many failed checks in a row are unhealthy");
}

std::chrono::milliseconds health_interval(const nlohmann::json& value, const std::string& path) {
  const auto interval = duration_from_json(value, path);
  if (interval < kMinInterval || interval > kMaxInterval) {
    config_error(path, "the interval must be within 10ms and 1h, got " + value.dump());
  }
  return interval;
}

int exit_code(const nlohmann::json& value, const std::string& path) {
  return int_in(value, path, -64, 255, "an exit code (-N: death by signal N)");
}

std::size_t output_limit(const nlohmann::json& value, const std::string& path) {
  return static_cast<std::size_t>(
      integer_from_json(value, path, 1, 1LL << 40, "a number of bytes"));
}

int retries(const nlohmann::json& value, const std::string& path) {
  return int_in(value, path, 0, kMaxRetries, "a number of retries (0 to 100)");
}

std::chrono::milliseconds retry_delay(const nlohmann::json& value, const std::string& path) {
  const auto delay = duration_from_json(value, path);
  if (delay > kMaxRetryDelay) {
    config_error(path, "the retry delay must be at most 1h, got " + value.dump());
  }
  return delay;
}

namespace {
constexpr const char* kNulWhy =
    " holds a NUL byte (\\u0000), which no command line, environment variable or path can carry";
}  // namespace

void reject_nul_string(const std::string& value, const std::string& path) {
  if (value.find('\0') != std::string::npos)
    config_error(path, std::string("the string") + kNulWhy);
}

void reject_nul_key(const std::string& key, const std::string& path) {
  if (key.find('\0') == std::string::npos) return;
  std::string shown;
  for (char c : path) shown += c == '\0' ? std::string("\\u0000") : std::string(1, c);
  throw ConfigError(path, shown + ": the key" + kNulWhy);
}

void check_http_method(const std::string& method, const std::string& path) {
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c));
      })) {
    config_error(path, "expected an HTTP method in capitals (\"GET\"), got \"" + method + "\"");
  }
}

void nested_checks_error(const std::string& path) {
  config_error(path, "\"all\" / \"any\" cannot be nested: list the single checks");
}

void no_checks_error(const std::string& path, const nlohmann::json& got) {
  config_error(path,
               "expected a non-empty array of readiness checks ({\"tcp\": {...}}, ...), got " +
                   describe_json(got));
}

}  // namespace mirakuru::detail
