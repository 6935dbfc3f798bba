// mk_shared_tests: the "discovered tests" of shared_keeper_bench — 64 tiny tests, each run by
// ctest in a process of its own, each needing the global set (MIRAKURU_SERVICES: started per
// process; MIRAKURU_ATTACH: attached to a keeper).
#include <gtest/gtest.h>

#include "mirakuru/gtest.hpp"

namespace {

class Shared : public ::testing::TestWithParam<int> {};

TEST_P(Shared, UsesTheService) { EXPECT_GT(mirakuru::gtest::services().port("svc"), 0); }

INSTANTIATE_TEST_SUITE_P(Bench, Shared, ::testing::Range(0, 64));

}  // namespace
