#include "services/scalars.hpp"

#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <utility>

#include "services/json_reader.hpp"

namespace mirakuru::detail {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  bool dot = false;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) ||
                                  (text[digits] == '.' && !dot))) {
    dot = dot || text[digits] == '.';
    ++digits;
  }
  if (digits == 0 || text[0] == '.' || text[digits - 1] == '.') return std::nullopt;
  const std::string number(text.substr(0, digits));
  const std::string_view unit = text.substr(digits);
  double scale = 0;
  if (unit == "ms" || unit.empty()) {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return std::nullopt;
  }
  const double ms = std::strtod(number.c_str(), nullptr) * scale;
  if (!std::isfinite(ms) || ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::chrono::milliseconds duration_from_json(const nlohmann::json& value, const std::string& path) {
  // Beyond ~31 years a duration means "forever" at best, and past 2^63 it would wrap around.
  constexpr unsigned long long kMax = 1'000'000'000'000;
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<long long>() >= 0)) {
    if (value.get<unsigned long long>() <= kMax) {
      return std::chrono::milliseconds(value.get<long long>());
    }
    config_error(path, "the duration " + value.dump() + " ms is too long (at most " +
                           std::to_string(kMax) + " ms, about 31 years)");
  }
  if (value.is_string()) {
    if (auto d = parse_duration(value.get_ref<const std::string&>())) return *d;
  }
  config_error(path,
               "expected a duration (\"250ms\", \"10s\", \"2m\" or a number of "
               "milliseconds), got " +
                   describe_json(value));
}

namespace {

constexpr std::pair<std::string_view, int> kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"SYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare = upper;
  if (bare.substr(0, 3) == "SIG") bare.remove_prefix(3);
  for (const auto& [n, number] : kSignals) {
    if (n == bare) return number;
  }
  return std::nullopt;
}

int signal_from_json(const nlohmann::json& value, const std::string& path) {
  if (value.is_number_integer()) {
    return static_cast<int>(integer_from_json(value, path, 1, 64, "a signal number (1-64)"));
  }
  if (value.is_string()) {
    if (auto sig = parse_signal(value.get_ref<const std::string&>())) return *sig;
  }
  config_error(path, "expected a signal name such as \"SIGTERM\" or \"SIGINT\", or a number, got " +
                         describe_json(value));
}

Stdio stdio_from_json(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "capture") return Stdio::Capture;
    if (s == "inherit") return Stdio::Inherit;
    if (s == "null") return Stdio::Null;
  }
  config_error(path, "expected \"capture\", \"inherit\" or \"null\", got " + describe_json(value));
}

std::filesystem::perms mode_from_json(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!text.empty() && text.size() <= 4 &&
        text.find_first_not_of("01234567") == std::string::npos) {
      const unsigned long mode = std::stoul(text, nullptr, 8);
      if (mode >= 0700 && mode <= 0777) return static_cast<std::filesystem::perms>(mode);
    }
  }
  config_error(path,
               "expected a directory mode in octal digits from \"0700\" to \"0777\" as a "
               "string (the owner keeps rwx), e.g. \"0755\", got " +
                   describe_json(value));
}

long long integer_from_json(const nlohmann::json& value, const std::string& path, long long lo,
                            long long hi, std::string_view what) {
  if (value.is_number_integer()) {
    const long long n = value.get<long long>();
    if (n >= lo && n <= hi) return n;
  }
  config_error(path, "expected " + std::string(what) + ", got " + describe_json(value));
}

}  // namespace mirakuru::detail
