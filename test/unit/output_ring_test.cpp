#include "process/output_ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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

// range(): what wait_for_output() reads between a mark and now, offsets in everything appended.
TEST(OutputRing, RangeReturnsWhatIsStillKept) {
  OutputRing ring(10);
  std::string all;
  for (int i = 0; i < 37; ++i) {
    std::string piece = std::to_string(i) + ",";
    ring.append(piece.data(), piece.size());
    all += piece;
    for (std::uint64_t from = 0; from <= all.size(); from += 3) {
      for (std::uint64_t to = from; to <= all.size() + 2; to += 5) {
        std::uint64_t first = 0;
        const std::string got = ring.range(from, to, first);
        const std::uint64_t oldest = all.size() > 10 ? all.size() - 10 : 0;
        const std::uint64_t end = std::min<std::uint64_t>(to, all.size());
        const std::uint64_t expect_first = std::min(std::max(from, oldest), end);
        ASSERT_EQ(first, expect_first) << from << " " << to;
        ASSERT_EQ(got, all.substr(expect_first, end - expect_first)) << from << " " << to;
      }
    }
  }
  OutputRing empty(0);
  empty.append("abc", 3);
  std::uint64_t first = 9;
  EXPECT_EQ(empty.range(0, 3, first), "");
  EXPECT_EQ(first, 3u);
}

TEST(Tail, LastLinesAndBytes) {
  EXPECT_EQ(tail("a\nb\nc\n", 2, 100), "b\nc");
  EXPECT_EQ(tail("a\nb\nc", 5, 100), "a\nb\nc");
  EXPECT_EQ(tail("abcdef", 5, 3), "def");
  EXPECT_EQ(tail("", 5, 3), "");
}

}  // namespace
}  // namespace mirakuru::detail
