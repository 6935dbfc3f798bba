// What happens to a scope's service logs when the scope ends: MIRAKURU_KEEP_LOGS=failed (the
// default) removes them when every test of the scope passed and keeps them — and says where —
// when one failed; `always` and `never` do what they say. Empty logs are never left around
// (except with `always`).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mirakuru::gtest::detail {

enum class KeepLogs { Failed, Always, Never };

// MIRAKURU_KEEP_LOGS, read once. An unknown value means `failed`, with a warning on stderr.
KeepLogs keep_logs();

// (service name, log file) of the services of a set.
using ServiceLogs = std::vector<std::pair<std::string, std::filesystem::path>>;

// Removes or keeps `logs` as `mode` says for a scope (`label`) whose tests passed or not
// (`failed`). Returns what to print: the kept logs' paths, or "" when nothing was kept.
// Never throws (a log that cannot be removed stays).
std::string finish_logs(const ServiceLogs& logs, bool failed, KeepLogs mode,
                        const std::string& label);

}  // namespace mirakuru::gtest::detail
