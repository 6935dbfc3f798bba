// Small formatting helpers for the executors' error messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mirakuru::detail {

// 2134 -> "2,134".
std::string with_thousands(std::uint64_t n);

// 1500ms -> "1.5 s", 250ms -> "250 ms".
std::string format_duration(std::chrono::milliseconds d);

// strerror(errno_value), lowercased first letter, for "connect: connection refused".
std::string errno_text(int errno_value);

// The line that opens each stream's part of an output tail (SimpleExecutor::output_tail()):
// "--- last stdout of 'COMMAND' ---\n". `stream` is "stdout" or "stderr".
std::string output_tail_header(const std::string& stream, const std::string& command);

}  // namespace mirakuru::detail
