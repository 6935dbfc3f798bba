// The command line and environment of mirakuru::gtest_main: which service sets to register.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mirakuru::gtest::detail {

struct MainFlags {
  std::vector<std::filesystem::path> service_files;  // MIRAKURU_SERVICES first, then flags
  std::optional<std::size_t> log_tail;               // --mirakuru_log_tail=N
  std::optional<std::filesystem::path> trace;        // --mirakuru_trace=FILE
  bool summary = false;                              // --mirakuru_summary
  std::vector<std::string> errors;                   // malformed or unknown flags, for the user
  bool help = false;                                 // --help / -h / -? was given
};

// Takes --mirakuru_services=FILE (also "--mirakuru_services FILE", repeatable),
// --mirakuru_log_tail=N, --mirakuru_trace=FILE and --mirakuru_summary out of argv (GoogleTest
// leaves flags it does not know), and adds the
// ':'-separated paths of `env_services` (the MIRAKURU_SERVICES variable; may be null). Any other
// --mirakuru_* flag is taken out too, as an error naming the known ones. Relative paths become
// absolute, duplicates are dropped.
MainFlags take_main_flags(int& argc, char** argv, const char* env_services);

// The lines gtest_main adds to GoogleTest's --help.
const char* main_flags_help();

}  // namespace mirakuru::gtest::detail
