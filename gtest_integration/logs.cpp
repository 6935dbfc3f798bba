#include "logs.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace mirakuru::gtest::detail {
namespace {

const char* name_of(KeepLogs mode) {
  switch (mode) {
    case KeepLogs::Always:
      return "always";
    case KeepLogs::Never:
      return "never";
    case KeepLogs::Failed:
      break;
  }
  return "failed";
}

KeepLogs read_keep_logs() {
  const char* text = std::getenv("MIRAKURU_KEEP_LOGS");  // NOLINT(concurrency-mt-unsafe): once
  const std::string_view value = text == nullptr ? "" : text;
  for (KeepLogs mode : {KeepLogs::Failed, KeepLogs::Always, KeepLogs::Never}) {
    if (value == name_of(mode)) return mode;
  }
  if (!value.empty()) {
    std::fprintf(stderr,
                 "mirakuru: MIRAKURU_KEEP_LOGS=%s is none of failed, always, never; using "
                 "failed\n",
                 text);
  }
  return KeepLogs::Failed;
}

}  // namespace

KeepLogs keep_logs() {
  static const KeepLogs mode = read_keep_logs();
  return mode;
}

std::string finish_logs(const ServiceLogs& logs, bool failed, KeepLogs mode,
                        const std::string& label) {
  const bool keep = mode == KeepLogs::Always || (mode == KeepLogs::Failed && failed);
  std::string kept;
  for (const auto& [name, file] : logs) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) continue;  // never written (the service did not start), or already gone
    if (keep && (size > 0 || mode == KeepLogs::Always)) {
      kept += "  " + name + ": " + file.string() + "\n";
    } else {
      std::filesystem::remove(file, ec);
    }
  }
  if (kept.empty()) return {};
  const std::string why = mode == KeepLogs::Always ? "" : ", a test failed";
  return "[ mirakuru ] the logs of " + label + " are kept (MIRAKURU_KEEP_LOGS=" + name_of(mode) +
         why + "):\n" + kept;
}

}  // namespace mirakuru::gtest::detail
