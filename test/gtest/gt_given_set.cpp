// A global ServiceEnvironment given a ready ServiceSet, with a file written into the set's
// ${tmpdir} before start() (as docs/service-sets.md endorses). ctest runs it with
// --gtest_repeat=2 --gtest_recreate_environments_when_repeating: the set is stopped and started
// again, and the file must still be there on the second iteration — a set's ${tmpdir} belongs
// to the ServiceSet object (made with it, kept across stop()/start(), removed with it).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

TEST(GivenSet, SeesTheFileWrittenBeforeStart) {
  auto& set = mirakuru::gtest::services();
  std::ifstream in(set.tmpdir("alpha") / "seed.txt");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "written before start()") << set.tmpdir("alpha");
  EXPECT_EQ(mirakuru::gtest_test::ask(set.port("alpha")), "alpha");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto set = mirakuru::ServiceSet::from_json(
      {{"services", {{"alpha", mirakuru::gtest_test::server("alpha")}}}});
  std::ofstream(set.tmpdir("alpha") / "seed.txt") << "written before start()\n";
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(std::move(set)));
  return RUN_ALL_TESTS();
}
