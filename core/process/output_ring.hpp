// Bounded storage for captured output: the newest `capacity` bytes of a stream. (Lines for the
// readiness probes are assembled in core/executors/line_splitter.hpp.)
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
  // The kept bytes in [from, to) (offsets in everything ever appended); `first` is the offset of
  // the first byte returned (> from when those bytes were dropped).
  std::string range(std::uint64_t from, std::uint64_t to, std::uint64_t& first) const;

 private:
  std::size_t capacity_;
  std::vector<char> buffer_;  // grows up to capacity_, then wraps
  std::size_t head_ = 0;      // where the oldest byte is, once wrapped
  std::uint64_t total_ = 0;
};

// The last `max_lines` lines / `max_bytes` bytes of `text`.
std::string tail(std::string_view text, std::size_t max_lines, std::size_t max_bytes);

}  // namespace mirakuru::detail
