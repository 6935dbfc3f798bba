// Tests that gtest_discover_tests runs one process each, all attached to the one keeper of the
// CTest fixture `shared` (MIRAKURU_ATTACH) instead of each starting the service.
#include <gtest/gtest.h>
#include <mirakuru/gtest.hpp>

TEST(Shared, First) { EXPECT_TRUE(mirakuru::gtest::services().attached()); }
TEST(Shared, Second) { EXPECT_GT(mirakuru::gtest::services().port("sleeper"), 0); }
