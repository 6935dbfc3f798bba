#include "probes/messages.hpp"

#include <cctype>
#include <csignal>
#include <cstring>
#include <string_view>

namespace mirakuru::detail {

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms < 1000 || ms % 100 != 0) return std::to_string(ms) + " ms";
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) s += "." + std::to_string((ms % 1000) / 100);
  return s + " s";
}

namespace {

// sigabbrev_np() is glibc >= 2.32 only; the signals a service dies of are few.
std::string_view signal_name(int sig) {
  switch (sig) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    default:
      return "";
  }
}

}  // namespace

std::string describe_exit(int returncode) {
  if (returncode >= 0) return "exited with code " + std::to_string(returncode);
  int sig = -returncode;
  std::string s = "was killed by signal " + std::to_string(sig);
  auto name = signal_name(sig);
  if (!name.empty()) s += " (" + std::string(name) + ")";
  return s;
}

namespace {

// strerror() is not thread-safe; strerror_r() comes in a GNU and an XSI flavour.
[[maybe_unused]] const char* strerror_result(const char* gnu, const char* /*buffer*/) {
  return gnu;
}
[[maybe_unused]] const char* strerror_result(int xsi, const char* buffer) {
  return xsi == 0 ? buffer : "unknown error";
}

}  // namespace

std::string errno_text(int errno_value) {
  char buffer[256] = {};
  std::string s = strerror_result(::strerror_r(errno_value, buffer, sizeof buffer), buffer);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace mirakuru::detail
