// mk_fixture_program: GoogleTest tests that gtest_discover_tests registers one by one, each run
// by ctest in a process of its own, all attached (MIRAKURU_ATTACH) to the one keeper of the
// CTest fixture `cli_fixture` (test/cli/CMakeLists.txt).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "mirakuru/gtest.hpp"

namespace {

// Every test sees the same, single start of the service: its set directory (fresh per start)
// holds a "starts" file with one line per start of "db".
void expect_one_shared_start() {
  auto& set = mirakuru::gtest::services();
  ASSERT_TRUE(set.attached()) << "MIRAKURU_ATTACH did not make the environment attach";
  EXPECT_GT(set.port("db"), 0);
  std::ifstream starts(set.tmpdir("db").parent_path() / "starts");
  int lines = 0;
  for (std::string line; std::getline(starts, line);) ++lines;
  EXPECT_EQ(lines, 1);
}

TEST(SharedService, One) { expect_one_shared_start(); }
TEST(SharedService, Two) { expect_one_shared_start(); }
TEST(SharedService, Three) { expect_one_shared_start(); }
TEST(SharedService, Four) { expect_one_shared_start(); }

}  // namespace
