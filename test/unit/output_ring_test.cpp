#include "process/output_ring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mirakuru::detail {
namespace {

TEST(OutputRing, KeepsTheNewestBytes) {
  OutputRing ring(8);
  ring.append("abc", 3);
  EXPECT_EQ(ring.str(), "abc");
  ring.append("defgh", 5);
  EXPECT_EQ(ring.str(), "abcdefgh");
  ring.append("ij", 2);
  EXPECT_EQ(ring.str(), "cdefghij");
  ring.append("0123456789", 10);
  EXPECT_EQ(ring.str(), "23456789");
  ring.append("k", 1);
  EXPECT_EQ(ring.str(), "3456789k");
  EXPECT_EQ(ring.total(), 21u);
}

TEST(OutputRing, ManySmallAppendsWrapCorrectly) {
  OutputRing ring(10);
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    ring.append(piece.data(), piece.size());
    all += piece;
  }
  EXPECT_EQ(ring.str(), all.substr(all.size() - 10));
}

TEST(LineAssembler, JoinsLinesSplitAcrossReads) {
  LineAssembler lines;
  std::vector<std::string> seen;
  auto collect = [&](std::string_view l) { seen.emplace_back(l); };
  lines.feed("hel", 3, collect);
  lines.feed("lo\r\nwor", 7, collect);
  lines.feed("ld\nlast", 7, collect);
  EXPECT_EQ(seen, (std::vector<std::string>{"hello", "world"}));
  lines.finish(collect);
  EXPECT_EQ(seen.back(), "last");
}

TEST(LineAssembler, CutsOverlongLines) {
  LineAssembler lines;
  std::vector<std::size_t> sizes;
  std::string big(LineAssembler::kMaxLine * 2 + 10, 'x');
  lines.feed(big.data(), big.size(), [&](std::string_view l) { sizes.push_back(l.size()); });
  lines.feed("\n", 1, [&](std::string_view l) { sizes.push_back(l.size()); });
  EXPECT_EQ(sizes,
            (std::vector<std::size_t>{LineAssembler::kMaxLine, LineAssembler::kMaxLine, 10}));
}

TEST(Tail, LastLinesAndBytes) {
  EXPECT_EQ(tail("a\nb\nc\n", 2, 100), "b\nc");
  EXPECT_EQ(tail("a\nb\nc", 5, 100), "a\nb\nc");
  EXPECT_EQ(tail("abcdef", 5, 3), "def");
  EXPECT_EQ(tail("", 5, 3), "");
}

}  // namespace
}  // namespace mirakuru::detail
