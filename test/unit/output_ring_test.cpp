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

TEST(Tail, LastLinesAndBytes) {
  EXPECT_EQ(tail("a\nb\nc\n", 2, 100), "b\nc");
  EXPECT_EQ(tail("a\nb\nc", 5, 100), "a\nb\nc");
  EXPECT_EQ(tail("abcdef", 5, 3), "def");
  EXPECT_EQ(tail("", 5, 3), "");
}

}  // namespace
}  // namespace mirakuru::detail
