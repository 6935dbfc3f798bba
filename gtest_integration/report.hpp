// Text for GoogleTest failures: how a process ended, tails of outputs and log files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace mirakuru::gtest::detail {

// The last `lines` lines of `text` (at most `max_bytes` bytes), each indented by `indent`.
std::string tail(std::string_view text, std::size_t lines, const std::string& indent = "  ",
                 std::size_t max_bytes = std::size_t{16} * 1024);

// The last `lines` lines of a file ("" when it cannot be read). Reads only the end of it.
std::string file_tail(const std::filesystem::path& file, std::size_t lines,
                      const std::string& indent = "  ");

// Writes `text` to stdout, where GoogleTest prints, and flushes.
void print(const std::string& text);

}  // namespace mirakuru::gtest::detail
