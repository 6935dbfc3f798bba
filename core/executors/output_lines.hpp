// One run's captured output as lines, for output marks and wait_for_output(): the output thread
// counts every line and matches it against the waiters registered at that moment, so a waiter
// is woken by the line that matches it, not by every byte, and nothing polls.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "executors/line_regex.hpp"
#include "executors/line_splitter.hpp"
#include "mirakuru/options.hpp"

namespace mirakuru::detail {

class OutputLines {
 public:
  // Which streams are captured: the output ends when each of them reached EOF.
  OutputLines(bool out, bool err) : captured_{out, err} {}

  struct Position {
    std::uint64_t lines[2] = {0, 0};    // complete lines of stdout, stderr
    std::uint64_t offsets[2] = {0, 0};  // where the next line of each stream begins (bytes)
    bool closed[2] = {false, false};    // the stream reached EOF
  };

  // One thread waiting for a line. Registered with add(), matched on the output thread, removed
  // with remove() before it goes out of scope.
  struct Waiter {
    explicit Waiter(const LineRegex& r) : regex(&r) {}
    const LineRegex* regex;
    // Written on the output thread under the mutex, before `done` is set (release): readable
    // once done is true, or after remove().
    Stream stream = Stream::Out;
    std::uint64_t line_index = 0;  // 0-based, in its stream
    std::string line;
    std::atomic<bool> done{false};
  };

  // --- the output thread (the process's watch hooks) ---
  void on_output(Stream stream, std::string_view bytes, bool end);
  void on_exit();

  // --- any thread ---
  Position position() const;
  // Registers `waiter` for every line completed from now on; returns the position it starts at.
  Position add(Waiter& waiter);
  // After it returns the output thread no longer touches `waiter`.
  void remove(Waiter& waiter);
  // Sleeps until `waiter` matched, the process exited, every captured stream ended, or
  // `deadline`. Woken only by those: a line that matches no waiter wakes nobody.
  void wait(const Waiter& waiter, std::chrono::steady_clock::time_point deadline);
  // True once every captured stream reached EOF.
  bool ended() const;

 private:
  bool ended_locked() const;

  const bool captured_[2];
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool exited_ = false;
  LineSplitter splitters_[2];
  Position position_;
  std::uint64_t fed_[2] = {0, 0};  // bytes seen per stream
  std::vector<Waiter*> waiters_;
};

}  // namespace mirakuru::detail
