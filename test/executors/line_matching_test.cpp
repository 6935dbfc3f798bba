// How output becomes lines (LineSplitter) and how lines are matched (LineRegex, RE2): long lines,
// cuts, anchors across cuts, invalid patterns.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "executors/line_regex.hpp"
#include "executors/line_splitter.hpp"

namespace {

using namespace std::chrono_literals;
namespace d = mirakuru::detail;
using Splitter = d::LineSplitter;

struct Piece {
  std::string text;
  bool first, last;
  bool operator==(const Piece& o) const {
    return text == o.text && first == o.first && last == o.last;
  }
};

// Feeds `chunks` and collects the pieces (texts copied, plus whether `re` matched each).
std::vector<Piece> split(const std::vector<std::string>& chunks, bool eof = false,
                         const d::LineRegex* re = nullptr, std::vector<bool>* hits = nullptr) {
  Splitter splitter;
  std::vector<Piece> pieces;
  auto collect = [&](const d::LinePiece& p) {
    pieces.push_back({std::string(p.text()), p.first, p.last});
    if (re != nullptr) hits->push_back(re->search(p));
  };
  for (const auto& chunk : chunks) splitter.feed(chunk, collect);
  if (eof) splitter.finish(collect);
  return pieces;
}

TEST(LineSplitter, JoinsLinesSplitAcrossReadsAndDropsCr) {
  auto pieces = split({"hel", "lo\r\nwor", "ld\n\nlast"}, true);
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[0], (Piece{"hello", true, true}));
  EXPECT_EQ(pieces[1], (Piece{"world", true, true}));
  EXPECT_EQ(pieces[2], (Piece{"", true, true}));
  EXPECT_EQ(pieces[3], (Piece{"last", true, true}));
  EXPECT_TRUE(split({"no newline yet"}).empty());
}

TEST(LineSplitter, CutsALongLineIntoOverlappingPiecesAndKeepsEveryByte) {
  // 150,000 distinct-ish bytes in odd-sized reads, then the newline.
  std::string line;
  for (int i = 0; line.size() < 150'000; ++i) line += std::to_string(i) + ",";
  std::vector<std::string> chunks;
  for (std::size_t at = 0; at < line.size(); at += 7'919) chunks.push_back(line.substr(at, 7'919));
  chunks.emplace_back("\n");
  auto pieces = split(chunks);
  const std::size_t stride = Splitter::kMaxPiece - Splitter::kOverlap;
  ASSERT_EQ(pieces.size(), 3u);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].text, line.substr(i * stride, Splitter::kMaxPiece)) << "piece " << i;
    EXPECT_EQ(pieces[i].first, i == 0);
    EXPECT_EQ(pieces[i].last, i == 2);
  }
  // The same line in one read is cut the same way.
  EXPECT_EQ(split({line + "\n"}).size(), 3u);
}

TEST(LineSplitter, ALineOfExactlyThePieceSizeIsOnePiece) {
  const std::string line(Splitter::kMaxPiece, 'x');
  auto pieces = split({line.substr(0, 1000), line.substr(1000), "\n"});
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], (Piece{line, true, true}));
}

TEST(LineRegex, ABannerStraddlingTheCutIsFoundOnce) {
  // "READY" starts 3 bytes before the first cut (the bug: it was never seen).
  const std::string line = std::string(Splitter::kMaxPiece - 3, 'x') + "READY" + "yyyy";
  const d::LineRegex re("READY", "banner");
  std::vector<bool> hits;
  auto pieces = split({line, "\n"}, false, &re, &hits);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(hits, (std::vector<bool>{false, true}));
}

TEST(LineRegex, AnchorsAndWordBoundariesSeeTheLineNotTheCut) {
  const std::size_t stride = Splitter::kMaxPiece - Splitter::kOverlap;
  // The second piece starts exactly at "READY" and the first ends inside "wordy".
  std::string line(stride, 'x');
  line += "READY";
  line.resize(Splitter::kMaxPiece - 2, 'z');
  line += "wordy";
  std::vector<bool> hits;
  const d::LineRegex start("^READY", "banner");
  split({line + "\n"}, false, &start, &hits);
  EXPECT_EQ(hits, (std::vector<bool>{false, false})) << "a cut is not the start of a line";
  hits.clear();
  const d::LineRegex boundary(R"(\bREADY)", "banner");
  split({line + "\n"}, false, &boundary, &hits);
  EXPECT_EQ(hits, (std::vector<bool>{false, false})) << "x before READY: no word boundary";
  hits.clear();
  const d::LineRegex end("zzwo$", "banner");
  split({line + "\n"}, false, &end, &hits);
  EXPECT_EQ(hits, (std::vector<bool>{false, false})) << "a cut is not the end of a line";
  hits.clear();
  const d::LineRegex whole("^x+READYz+wordy$", "banner");
  split({"xxREADYzzwordy\n"}, false, &whole, &hits);
  EXPECT_EQ(hits, (std::vector<bool>{true}));
}

TEST(LineRegex, SearchSemanticsAndRe2Syntax) {
  EXPECT_TRUE(d::LineRegex(R"(port \d+ open$)", "banner").search("now port 8080 open"));
  EXPECT_FALSE(d::LineRegex(R"(port \d+ open$)", "banner").search("port 8080 open!"));
  EXPECT_TRUE(d::LineRegex("(?i)ready", "banner").search("Server READY"));
  EXPECT_TRUE(d::LineRegex("^2\\d\\d$", "HTTP status").search("204"));
  EXPECT_FALSE(d::LineRegex("^2\\d\\d$", "HTTP status").search("503"));
}

TEST(LineRegex, AnInvalidPatternNamesItselfAndTheReason) {
  try {
    d::LineRegex re("(?<=x)ready", "banner");
    FAIL() << "lookbehind is not RE2 syntax";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/(?<=x)ready/"), std::string::npos) << what;
    EXPECT_NE(what.find("invalid"), std::string::npos) << what;
    EXPECT_NE(what.find("banner"), std::string::npos) << what;
  }
  EXPECT_NE(d::regex_error("ready(").find("missing )"), std::string::npos) << d::regex_error("(");
  EXPECT_EQ(d::regex_error("ready"), "");
}

TEST(LineRegex, PathologicalPatternsTakeLinearTime) {
  // With a backtracking engine the first recurses once per character (a stack overflow on the
  // output thread) and the second takes 2^32 steps.
  const std::string long_line = "ready" + std::string(400'000, 'x') + "port";
  const std::string evil_line = "c" + std::string(32, 'a');
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(d::LineRegex("ready.*port", "banner").search(long_line));
  EXPECT_FALSE(d::LineRegex("(a+)+c", "banner").search(evil_line));
  EXPECT_FALSE(d::LineRegex("(x+x+)+y", "banner").search(std::string(5'000, 'x')));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
