#include "process/output_ring.hpp"

#include <algorithm>
#include <cstring>

namespace mirakuru::detail {

void OutputRing::append(const char* data, std::size_t size) {
  total_ += size;
  if (capacity_ == 0) return;
  if (size >= capacity_) {  // only the newest capacity_ bytes survive
    buffer_.assign(data + size - capacity_, data + size);
    head_ = 0;
    return;
  }
  if (buffer_.size() + size <= capacity_) {
    buffer_.insert(buffer_.end(), data, data + size);
    return;
  }
  if (buffer_.size() < capacity_) {  // fill up to capacity, then wrap the rest
    const std::size_t fill = capacity_ - buffer_.size();
    buffer_.insert(buffer_.end(), data, data + fill);
    data += fill;
    size -= fill;
  }
  while (size > 0) {
    const std::size_t chunk = std::min(size, capacity_ - head_);
    std::memcpy(buffer_.data() + head_, data, chunk);
    head_ = (head_ + chunk) % capacity_;
    data += chunk;
    size -= chunk;
  }
}

std::string OutputRing::str() const {
  std::string out;
  out.reserve(buffer_.size());
  out.append(buffer_.begin() + static_cast<std::ptrdiff_t>(head_), buffer_.end());
  out.append(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(head_));
  return out;
}

std::string OutputRing::range(std::uint64_t from, std::uint64_t to, std::uint64_t& first) const {
  const std::uint64_t oldest = total_ - buffer_.size();
  to = std::min(to, total_);
  first = std::max(from, oldest);
  if (first >= to) {
    first = to;
    return {};
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(to - first));
  // The oldest kept byte is at head_ (0 until the ring wraps).
  const std::size_t size = buffer_.size();
  std::size_t at = (head_ + static_cast<std::size_t>(first - oldest)) % size;
  std::size_t left = static_cast<std::size_t>(to - first);
  while (left > 0) {
    const std::size_t chunk = std::min(left, size - at);
    out.append(buffer_.data() + at, chunk);
    at = (at + chunk) % size;
    left -= chunk;
  }
  return out;
}

std::string tail(std::string_view text, std::size_t max_lines, std::size_t max_bytes) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t pos = text.size();
  std::size_t lines = 0;
  while (pos > 0 && max_lines > 0) {
    const std::size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string_view::npos) {
      pos = 0;
      break;
    }
    if (++lines == max_lines) {
      pos = nl + 1;
      break;
    }
    pos = nl;
  }
  std::string_view kept = text.substr(pos);
  if (kept.size() > max_bytes) kept = kept.substr(kept.size() - max_bytes);
  return std::string(kept);
}

}  // namespace mirakuru::detail
