#include "executors/output_lines.hpp"

#include <algorithm>

namespace mirakuru::detail {

void OutputLines::on_output(Stream stream, std::string_view bytes, bool end) {
  const int s = stream == Stream::Out ? 0 : 1;
  std::lock_guard<std::mutex> lock(mutex_);
  auto on_piece = [&](const LinePiece& piece) {
    const std::uint64_t index = position_.lines[s];
    if (piece.last) ++position_.lines[s];
    for (Waiter* waiter : waiters_) {
      if (waiter->done.load(std::memory_order_relaxed)) continue;
      if (!waiter->regex->search(piece)) continue;
      waiter->stream = stream;
      waiter->line_index = index;
      waiter->line.assign(piece.text());
      waiter->done.store(true, std::memory_order_release);
    }
  };
  if (end) {
    splitters_[s].finish(on_piece);
    position_.offsets[s] = fed_[s];
    position_.closed[s] = true;
    return;
  }
  splitters_[s].feed(bytes, on_piece);
  const std::size_t nl = bytes.rfind('\n');
  if (nl != std::string_view::npos) position_.offsets[s] = fed_[s] + nl + 1;
  fed_[s] += bytes.size();
}

OutputLines::Position OutputLines::position() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return position_;
}

OutputLines::Position OutputLines::add(Waiter& waiter) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiters_.push_back(&waiter);
  return position_;
}

void OutputLines::remove(Waiter& waiter) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), &waiter), waiters_.end());
}

}  // namespace mirakuru::detail
