#include "keeper_attach.hpp"

#include <cstdlib>
#include <system_error>

#include "report.hpp"

namespace mirakuru::gtest::detail {
namespace {

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

}  // namespace

std::optional<std::filesystem::path> attach_file() {
  const char* value = std::getenv(kAttachVariable);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::filesystem::path(value);
}

ServiceSet environment_set(const std::filesystem::path& config) {
  auto attach = attach_file();
  if (attach && same_file(*attach, config)) return ServiceSet::attach_running(config);
  return ServiceSet::from_file(config);
}

std::string attached_log_tails(const ServiceSet& set, const std::string& label, std::size_t lines) {
  std::string out;
  for (const auto& name : set.names()) {
    const auto log = set.log_file(name);
    out += "[ mirakuru ] service '" + name + "' of " + label + " (run by a keeper), log " +
           log.string() + "\n";
    if (lines == 0) continue;
    std::string text = file_tail(log, lines, "    ");
    out += text.empty() ? "    (no output)\n" : text;
  }
  return out;
}

}  // namespace mirakuru::gtest::detail
