// JSON -> SetDescription: the shape and types of a service set, checked key by key.
//
// Variables are not expanded here and dependencies are not resolved (graph.hpp does that);
// this only guarantees that every value has the right type and every key is known. What a C++
// description can get wrong as well is checked by set_spec() (description.hpp), for both.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mirakuru/service_description.hpp"
#include "services/spec.hpp"

namespace mirakuru::detail {

// Throws ConfigError naming the JSON path of the first mistake.
SetDescription describe_set(const nlohmann::json& config);
// describe_set() then set_spec().
SetSpec parse_set(const nlohmann::json& config, const std::filesystem::path& config_dir);

// Parses `text` as JSON; malformed JSON is a ConfigError with line and column, a key repeated
// in one object a ConfigError naming it (config_file.cpp). `origin` starts the messages.
nlohmann::json parse_json_text(std::string_view text, const std::string& origin);

// Reads a service set file: a regular file of at most 16 MiB. Throws ConfigError saying what
// `path` is instead (missing — with the absolute path tried —, unreadable, a directory, a FIFO
// or device, too large).
std::string read_config_file(const std::filesystem::path& path);

// "ready" (one check, an array of them, {"all"|"any": [...]}) at `path` (config_parser.cpp).
ReadySpec parse_ready(const nlohmann::json& value, const std::string& path);
// "health" at `path`: one check or all/any, plus "interval" and "failures" (health_config.cpp).
HealthCheck parse_health(const nlohmann::json& value, const std::string& path);

// The keys the format knows, by JSON location (the schema in docs/ must list the same).
const std::vector<std::string>& top_level_keys();
const std::vector<std::string>& service_keys();
const std::vector<std::string>& ready_keys();
const std::vector<std::string>& health_keys();  // ready_keys() + interval, failures

}  // namespace mirakuru::detail
