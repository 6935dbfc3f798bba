// Scalar values of the service-set format: durations, signals, output modes.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mirakuru/options.hpp"

namespace mirakuru::detail {

// "250ms", "10s", "1.5s", "2m", "1h" or a non-negative integer of milliseconds.
// nullopt when `text` is not such a duration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// The same from JSON; ConfigError naming `path` otherwise.
std::chrono::milliseconds duration_from_json(const nlohmann::json& value, const std::string& path);

// "SIGINT", "INT", "sigint" or a number 1..64. nullopt when unknown.
std::optional<int> parse_signal(std::string_view name);
int signal_from_json(const nlohmann::json& value, const std::string& path);

// "capture", "inherit" or "null".
Stdio stdio_from_json(const nlohmann::json& value, const std::string& path);

// "0755", "750": a directory mode in octal digits, within 0700-0777 (the owner keeps rwx).
std::filesystem::perms mode_from_json(const nlohmann::json& value, const std::string& path);

// An integer in [lo, hi]; ConfigError naming `path` otherwise.
long long integer_from_json(const nlohmann::json& value, const std::string& path, long long lo,
                            long long hi, std::string_view what);

}  // namespace mirakuru::detail
