#include "executors/progress.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "executors/messages.hpp"

namespace mirakuru::detail {

namespace {

constexpr std::chrono::milliseconds kDefault{5000};

// "0", "off": off; "250ms", "2s", "1500" (milliseconds): that interval; anything else: default.
std::chrono::milliseconds parse(const char* text) {
  if (text == nullptr || *text == '\0') return kDefault;
  const std::string value(text);
  if (value == "0" || value == "off") return std::chrono::milliseconds::zero();
  char* end = nullptr;
  const long long number = std::strtoll(value.c_str(), &end, 10);
  if (end == value.c_str() || number <= 0) return kDefault;
  const std::string unit(end);
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(number);
  if (unit == "s") return std::chrono::seconds(number);
  std::fprintf(stderr, "mirakuru: MIRAKURU_PROGRESS=%s is not 0 or a duration (250ms, 5s)\n", text);
  return kDefault;
}

}  // namespace

std::chrono::milliseconds Progress::interval() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once
  static const std::chrono::milliseconds value = parse(std::getenv("MIRAKURU_PROGRESS"));
  return value;
}

Progress::Progress(Clock::time_point started, std::chrono::milliseconds timeout,
                   std::chrono::milliseconds interval)
    : started_(started),
      timeout_(timeout),
      interval_(interval),
      next_(interval_ > std::chrono::milliseconds::zero() && interval_ < timeout
                ? started + interval_
                : Clock::time_point::max()) {}

void Progress::report(Clock::time_point now, std::string_view service,
                      std::string_view last_check) {
  if (now < next_) return;
  char waited[32];
  std::snprintf(waited, sizeof waited, "%.1f s",
                std::chrono::duration<double>(now - started_).count());
  std::string line = "[ mirakuru ] still waiting for '" + std::string(service) + "': ";
  line += waited;
  line += " of ";
  line += format_duration(timeout_);
  line += last_check.empty() ? std::string("; not checked yet")
                             : "; last check: " + std::string(last_check);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  while (next_ <= now) next_ += interval_;
}

}  // namespace mirakuru::detail
