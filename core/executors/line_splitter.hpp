// How captured output becomes lines for the probes (and any other matcher of service output).
//
// A line is what lies between two '\n' (a trailing '\r' is dropped). A line of up to kMaxPiece
// bytes is handed over whole, in one piece, however many reads it arrived in. A longer line is
// handed over in pieces of kMaxPiece bytes that overlap by kOverlap bytes: memory stays bounded
// whatever the service writes, every byte is seen, and any text of up to kOverlap bytes lies
// whole in at least one piece — a banner that straddles a cut is not lost.
//
// Each piece carries one byte of context on each side when the line has it, so that a regex
// engine can tell a cut from a line boundary: "^" matches only at the start of the line's first
// piece, "$" only at the end of its last, and "\b" sees the bytes across the cut.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace mirakuru::detail {

struct LinePiece {
  std::string_view context;  // the piece, plus the byte before / after it when the line has one
  std::size_t begin = 0;     // the piece is context[begin, end)
  std::size_t end = 0;
  bool first = true;  // the line starts with this piece
  bool last = true;   // the line ends with this piece

  std::string_view text() const { return context.substr(begin, end - begin); }
};

class LineSplitter {
 public:
  static constexpr std::size_t kMaxPiece = std::size_t{64} * 1024;
  static constexpr std::size_t kOverlap = std::size_t{4} * 1024;

  // Calls on_piece(const LinePiece&) for every piece that `bytes` completes.
  template <typename OnPiece>
  void feed(std::string_view bytes, OnPiece&& on_piece) {
    while (!bytes.empty()) {
      const std::size_t nl = bytes.find('\n');
      const std::string_view segment = bytes.substr(0, nl);
      if (nl != std::string_view::npos && buffer_.empty() && segment.size() <= kMaxPiece) {
        emit_last(segment, false, on_piece);  // the common case: a whole line, no copy
      } else {
        append(segment, on_piece);
        if (nl != std::string_view::npos) finish(on_piece);
      }
      bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    }
  }

  // The end of the stream: the unterminated last line, if any.
  template <typename OnPiece>
  void finish(OnPiece&& on_piece) {
    if (buffer_.empty() && !continued_) return;
    emit_last(buffer_, continued_, on_piece);
    buffer_.clear();
    continued_ = false;
  }

  // Forgets a partial line (a new run of the process starts).
  void clear() {
    buffer_.clear();
    continued_ = false;
  }

 private:
  // The last piece of a line: `text` (with one byte of context in front when `continued`).
  template <typename OnPiece>
  static void emit_last(std::string_view text, bool continued, OnPiece& on_piece) {
    if (!text.empty() && text.back() == '\r' && text.size() > (continued ? 1u : 0u)) {
      text.remove_suffix(1);
    }
    on_piece(LinePiece{text, continued ? 1u : 0u, text.size(), !continued, true});
  }

  // Buffers a segment of a line without its '\n', handing over each piece once the byte after
  // it is known (a cut must not look like the end of the line to "$").
  template <typename OnPiece>
  void append(std::string_view segment, OnPiece& on_piece) {
    while (!segment.empty()) {
      const std::size_t head = continued_ ? 1 : 0;
      const std::size_t take = std::min(segment.size(), head + kMaxPiece + 1 - buffer_.size());
      buffer_.append(segment.substr(0, take));
      segment.remove_prefix(take);
      if (buffer_.size() <= head + kMaxPiece) continue;
      on_piece(LinePiece{buffer_, head, head + kMaxPiece, !continued_, false});
      // The next piece starts kOverlap bytes before this one ended; keep one byte before it.
      buffer_.erase(0, head + kMaxPiece - kOverlap - 1);
      continued_ = true;
    }
  }

  std::string buffer_;  // the line so far: [context byte, when continued_] piece bytes
  bool continued_ = false;
};

}  // namespace mirakuru::detail
