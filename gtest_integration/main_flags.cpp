#include "main_flags.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace mirakuru::gtest::detail {
namespace {

constexpr std::string_view kServicesFlag = "--mirakuru_services";
constexpr std::string_view kLogTailFlag = "--mirakuru_log_tail";
constexpr std::string_view kTraceFlag = "--mirakuru_trace";
constexpr std::string_view kSummaryFlag = "--mirakuru_summary";
// Every flag starting with this is ours: one we do not know is an error, not left to GoogleTest.
constexpr std::string_view kPrefix = "--mirakuru_";
constexpr const char* kKnownFlags =
    "--mirakuru_services=FILE, --mirakuru_log_tail=N, --mirakuru_trace=FILE, --mirakuru_summary "
    "(see --help)";

void add_file(MainFlags& flags, const std::string& text) {
  if (text.empty()) return;
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(text, ec);
  if (ec) path = text;
  path = path.lexically_normal();
  if (std::find(flags.service_files.begin(), flags.service_files.end(), path) ==
      flags.service_files.end()) {
    flags.service_files.push_back(path);
  }
}

// Matches "--flag=value" and "--flag value" (consuming the next argument).
bool take_value(std::string_view flag, int& i, int argc, char** argv,
                std::optional<std::string>& value, bool& consumed_next) {
  std::string_view arg = argv[i];
  consumed_next = false;
  if (arg.substr(0, flag.size()) != flag) return false;
  std::string_view rest = arg.substr(flag.size());
  if (rest.empty()) {
    if (i + 1 < argc) {
      value = argv[i + 1];
      consumed_next = true;
    } else {
      value.reset();
    }
    return true;
  }
  if (rest[0] != '=') return false;  // another flag with this prefix
  value = std::string(rest.substr(1));
  return true;
}

}  // namespace

MainFlags take_main_flags(int& argc, char** argv, const char* env_services) {
  MainFlags flags;
  if (env_services != nullptr) {
    std::string_view list = env_services;
    while (!list.empty()) {
      auto colon = list.find(':');
      add_file(flags, std::string(list.substr(0, colon)));
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-?" || arg == "/?") flags.help = true;
    std::optional<std::string> value;
    bool consumed_next = false;
    if (take_value(kServicesFlag, i, argc, argv, value, consumed_next)) {
      if (!value || value->empty()) {
        flags.errors.push_back("--mirakuru_services needs a file: --mirakuru_services=FILE");
      } else {
        add_file(flags, *value);
      }
      if (consumed_next) ++i;
      continue;
    }
    if (take_value(kLogTailFlag, i, argc, argv, value, consumed_next)) {
      char* end = nullptr;
      unsigned long lines = value ? std::strtoul(value->c_str(), &end, 10) : 0;
      if (!value || value->empty() || *end != '\0') {
        flags.errors.push_back(
            "--mirakuru_log_tail needs a number of lines: --mirakuru_log_tail=N");
      } else {
        flags.log_tail = static_cast<std::size_t>(lines);
      }
      if (consumed_next) ++i;
      continue;
    }
    if (take_value(kTraceFlag, i, argc, argv, value, consumed_next)) {
      if (!value || value->empty()) {
        flags.errors.push_back("--mirakuru_trace needs a file: --mirakuru_trace=FILE");
      } else {
        flags.trace = *value;
      }
      if (consumed_next) ++i;
      continue;
    }
    if (arg == kSummaryFlag) {
      flags.summary = true;
      continue;
    }
    if (arg.substr(0, kPrefix.size()) == kPrefix) {
      // A typo (--mirakuru_service=FILE) must not silently run the tests without services.
      flags.errors.push_back("unknown flag " + std::string(arg.substr(0, arg.find('='))) +
                             "; the known ones are " + kKnownFlags);
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  argv[argc] = nullptr;
  return flags;
}

const char* main_flags_help() {
  return "\nmirakuru (services for the tests):\n"
         "  --mirakuru_services=FILE\n"
         "      Start the service set described in the JSON FILE before the tests and stop it\n"
         "      after them (repeatable). The environment variable MIRAKURU_SERVICES holds more\n"
         "      files, separated by ':'.\n"
         "  --mirakuru_log_tail=N\n"
         "      Print the last N lines of each service's log when a test fails (default 20,\n"
         "      or $MIRAKURU_LOG_TAIL).\n"
         "  --mirakuru_trace=FILE\n"
         "      Write the run's timeline (service starts, setup commands, stops, tests) to FILE\n"
         "      in Chrome Trace Event Format: open it in Perfetto (ui.perfetto.dev) or\n"
         "      chrome://tracing. Also $MIRAKURU_TRACE. \"%p\" in FILE becomes the pid.\n"
         "  --mirakuru_summary\n"
         "      After the tests, print per service its starts, spawn-to-ready times and stop\n"
         "      time, and each set's critical chain. Also MIRAKURU_SUMMARY=1.\n";
}

}  // namespace mirakuru::gtest::detail
