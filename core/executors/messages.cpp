#include "executors/messages.hpp"

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
  // One digit appended in place: GCC 12 at -O3 sees a false overlap (-Wrestrict) in
  // "." + std::to_string(...).
  if (ms % 1000 != 0) {
    s += '.';
    s += static_cast<char>('0' + (ms % 1000) / 100);
  }
  return s + " s";
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

std::string output_tail_header(const std::string& stream, const std::string& command) {
  return "--- last " + stream + " of '" + command + "' ---\n";
}

}  // namespace mirakuru::detail
