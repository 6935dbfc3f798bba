// MIRAKURU_ATTACH=FILE: a global ServiceEnvironment for that same FILE attaches to the set a
// keeper runs (`mirakuru up FILE`, a CTest fixture) instead of starting its own copy.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "mirakuru/service_set.hpp"

namespace mirakuru::gtest::detail {

inline constexpr const char* kAttachVariable = "MIRAKURU_ATTACH";

// The file MIRAKURU_ATTACH names, if set and not empty.
std::optional<std::filesystem::path> attach_file();

// The set of a global environment for `config`: attached to its keeper (attach_running(),
// which throws ConfigError naming the file when no keeper runs it) when MIRAKURU_ATTACH names
// the same file, else ServiceSet::from_file(config).
ServiceSet environment_set(const std::filesystem::path& config);

// What Scope::log_tails() prints for an attached set: each service's log file (the keeper's
// services write them), its last `lines` lines.
std::string attached_log_tails(const ServiceSet& set, const std::string& label, std::size_t lines);

}  // namespace mirakuru::gtest::detail
