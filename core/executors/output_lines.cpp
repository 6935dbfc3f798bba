#include "executors/output_lines.hpp"

#include <algorithm>

namespace mirakuru::detail {

void OutputLines::on_output(Stream stream, std::string_view bytes, bool end) {
  const int s = stream == Stream::Out ? 0 : 1;
  bool wake = false;
  std::unique_lock<std::mutex> lock(mutex_);
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
      wake = true;
    }
  };
  if (end) {
    splitters_[s].finish(on_piece);
    position_.offsets[s] = fed_[s];
    position_.closed[s] = true;
    wake = wake || ended_locked();
  } else {
    splitters_[s].feed(bytes, on_piece);
    const std::size_t nl = bytes.rfind('\n');
    if (nl != std::string_view::npos) position_.offsets[s] = fed_[s] + nl + 1;
    fed_[s] += bytes.size();
  }
  lock.unlock();
  if (wake) changed_.notify_all();
}

void OutputLines::on_exit() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    exited_ = true;
  }
  changed_.notify_all();
}

bool OutputLines::ended_locked() const {
  return (!captured_[0] || position_.closed[0]) && (!captured_[1] || position_.closed[1]);
}

bool OutputLines::ended() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ended_locked();
}

void OutputLines::wait(const Waiter& waiter, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline, [&] {
    return waiter.done.load(std::memory_order_acquire) || exited_ || ended_locked();
  });
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
