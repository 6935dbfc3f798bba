#include <atomic>
#include <cstdlib>
#include <string>

#include "mirakuru/gtest.hpp"

namespace mirakuru::gtest {
namespace {

std::size_t default_tail_lines() {
  const char* text = std::getenv("MIRAKURU_LOG_TAIL");  // NOLINT(concurrency-mt-unsafe): once
  if (text == nullptr || *text == '\0') return 20;
  char* end = nullptr;
  unsigned long value = std::strtoul(text, &end, 10);
  return end != nullptr && *end == '\0' ? static_cast<std::size_t>(value) : 20;
}

std::atomic<std::size_t>& tail_lines() {
  static std::atomic<std::size_t> value{default_tail_lines()};
  return value;
}

}  // namespace

void set_log_tail_lines(std::size_t lines) { tail_lines().store(lines); }

std::size_t log_tail_lines() { return tail_lines().load(); }

}  // namespace mirakuru::gtest
