// ${tmpdir}: one private directory per service, whatever the names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

namespace fs = std::filesystem;

// Long names are cut so socket paths fit; the cut must not make two services share a
// directory (issue 16, item 7).
TEST(Tmpdirs, UniquePerServiceWhateverTheNames) {
  const std::string a20(20, 'a');
  nlohmann::json config;
  // Sorted, the second is service 1: cut, it was "a...a-1" like the first.
  for (const std::string& name : {a20 + "-1", a20 + "XXXXXXXXXXXX", std::string(100, 'b')}) {
    config["services"][name] = {{"command", "true"}};
  }
  auto set = ServiceSet::from_json(config);
  std::set<fs::path> dirs;
  for (const auto& name : set.names()) {
    const fs::path dir = set.tmpdir(name);
    EXPECT_TRUE(fs::is_directory(dir)) << dir;
    EXPECT_LE(dir.filename().string().size(), 24u) << dir;
    dirs.insert(dir);
  }
  EXPECT_EQ(dirs.size(), set.size());
}

}  // namespace
}  // namespace mirakuru
