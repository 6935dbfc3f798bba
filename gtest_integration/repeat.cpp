#include "repeat.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace mirakuru::gtest::detail {
namespace {

std::atomic<int> current_iteration{0};

}  // namespace

void set_current_iteration(int iteration) { current_iteration.store(iteration); }

bool last_environment_teardown() {
#ifdef GTEST_FLAG_GET
  const int repeat = GTEST_FLAG_GET(repeat);
  const bool recreate = GTEST_FLAG_GET(recreate_environments_when_repeating);
#else
  const int repeat = ::testing::GTEST_FLAG(repeat);
  const bool recreate = ::testing::GTEST_FLAG(recreate_environments_when_repeating);
#endif
  if (repeat < 0) return false;  // forever: GoogleTest recreates the environments each time
  return !recreate || current_iteration.load() >= repeat - 1;
}

}  // namespace mirakuru::gtest::detail
