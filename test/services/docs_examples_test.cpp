// Every ```json example in docs/service-sets.md is a valid service set, and the JSON Schema in
// docs/ knows exactly the keys the parser knows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mirakuru/service_set.hpp"
#include "services/config_parser.hpp"

namespace mirakuru {
namespace {

std::string read(const std::string& relative) {
  std::ifstream in(std::string(MIRAKURU_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::pair<int, std::string>> json_blocks(const std::string& markdown) {
  std::vector<std::pair<int, std::string>> blocks;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  int start = 0;
  bool inside = false;
  std::string block;
  while (std::getline(in, line)) {
    ++number;
    if (!inside && line == "```json") {
      inside = true;
      start = number;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.emplace_back(start, block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

std::vector<std::string> keys_of(const nlohmann::json& properties) {
  std::vector<std::string> keys;
  for (const auto& item : properties.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(ServiceSetDocs, EveryJsonExampleIsAValidServiceSet) {
  const auto blocks = json_blocks(read("docs/service-sets.md"));
  ASSERT_GE(blocks.size(), 10u);
  for (const auto& [line, text] : blocks) {
    SCOPED_TRACE("docs/service-sets.md:" + std::to_string(line));
    try {
      auto set = ServiceSet::from_string(text, "/tmp");
      EXPECT_GE(set.size(), 1u);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(ServiceSetDocs, SchemaListsTheKeysTheParserKnows) {
  const auto schema = nlohmann::json::parse(read("docs/service-set.schema.json"));
  EXPECT_EQ(keys_of(schema["properties"]), sorted(detail::top_level_keys()));
  EXPECT_EQ(keys_of(schema["$defs"]["service"]["properties"]), sorted(detail::service_keys()));
  // "ready" is one check (ready_check), an array of them, or {"all"|"any": [...]}.
  auto ready = keys_of(schema["$defs"]["ready_check"]["properties"]);
  for (const auto& key : keys_of(schema["$defs"]["ready"]["oneOf"][2]["properties"])) {
    ready.push_back(key);
  }
  EXPECT_EQ(sorted(ready), sorted(detail::ready_keys()));
}

}  // namespace
}  // namespace mirakuru
