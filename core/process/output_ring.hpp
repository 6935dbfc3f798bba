// Bounded storage for captured output: the newest `capacity` bytes of a stream, plus a line
// assembler for readiness probes that must see every line, even ones cut across reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mirakuru::detail {

class OutputRing {
 public:
  explicit OutputRing(std::size_t capacity) : capacity_(capacity) {}
  void append(const char* data, std::size_t size);
  std::string str() const;                        // oldest kept byte first
  std::uint64_t total() const { return total_; }  // bytes ever appended

 private:
  std::size_t capacity_;
  std::vector<char> buffer_;  // grows up to capacity_, then wraps
  std::size_t head_ = 0;      // where the oldest byte is, once wrapped
  std::uint64_t total_ = 0;
};

class LineAssembler {
 public:
  static constexpr std::size_t kMaxLine =
      std::size_t{64} * 1024;  // longer lines are cut into pieces

  // Calls on_line(std::string_view) for each complete line in data (without '\n' or '\r').
  template <typename OnLine>
  void feed(const char* data, std::size_t size, OnLine&& on_line) {
    std::size_t begin = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (data[i] != '\n') continue;
      emit(std::string_view(data + begin, i - begin), on_line);
      begin = i + 1;
    }
    std::string_view rest(data + begin, size - begin);
    while (partial_.size() + rest.size() >= kMaxLine) {
      const std::size_t take = kMaxLine - partial_.size();
      partial_.append(rest.substr(0, take));
      on_line(std::string_view(partial_));
      partial_.clear();
      rest.remove_prefix(take);
    }
    partial_.append(rest);
  }

  // The unterminated last line, at EOF.
  template <typename OnLine>
  void finish(OnLine&& on_line) {
    if (!partial_.empty()) on_line(std::string_view(partial_));
    partial_.clear();
  }

 private:
  template <typename OnLine>
  void emit(std::string_view piece, OnLine& on_line) {
    if (partial_.empty()) {
      on_line(trim_cr(piece.substr(0, kMaxLine)));
      return;
    }
    partial_.append(piece.substr(0, kMaxLine - std::min(kMaxLine, partial_.size())));
    on_line(trim_cr(partial_));
    partial_.clear();
  }
  static std::string_view trim_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  std::string partial_;
};

// The last `max_lines` lines / `max_bytes` bytes of `text`.
std::string tail(std::string_view text, std::size_t max_lines, std::size_t max_bytes);

}  // namespace mirakuru::detail
