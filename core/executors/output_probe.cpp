// The banner probe: matched on the output thread, piece by piece, as the bytes arrive.
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "executors/line_regex.hpp"
#include "executors/messages.hpp"
#include "executors/piece_probe.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

namespace {

class OutputProbe final : public Probe, public detail::PieceProbe {
 public:
  OutputProbe(std::string pattern, OutputStreams streams, int times)
      : regex_(pattern, "banner"), streams_(streams), times_(times) {
    if (times_ < 1) {
      throw std::invalid_argument("mirakuru: the banner /" + pattern + "/ must be seen at least " +
                                  "once (times = " + std::to_string(times_) + ")");
    }
  }

  void reset() override {
    seen_.store(0);
    lines_.store(0);
    closed_.store(false);
    line_hit_[0] = line_hit_[1] = false;
  }

  ProbeResult check() override {
    const int seen = seen_.load(std::memory_order_acquire);
    if (seen >= times_) return ProbeResult::ready();
    const auto lines = lines_.load();
    std::string detail = "banner not seen in " + detail::with_thousands(lines) + " line" +
                         (lines == 1 ? "" : "s") + " of " + stream_name();
    if (times_ > 1) {
      detail = "banner seen " + std::to_string(seen) + " of " + std::to_string(times_) +
               " times in " + detail::with_thousands(lines) + " line" + (lines == 1 ? "" : "s") +
               " of " + stream_name();
    }
    if (closed_.load()) return ProbeResult::never(detail + ", and the output has ended");
    return ProbeResult::not_yet(detail);
  }

  std::string describe() const override {
    std::string what = "banner /" + regex_.pattern() + "/ on " + stream_name();
    return times_ > 1 ? what + " (" + std::to_string(times_) + " times)" : what;
  }

  bool wants_lines() const override { return true; }

  // Only a line (or the end of the output) can change the answer.
  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    return std::chrono::steady_clock::time_point::max();
  }

  void on_line(Stream stream, std::string_view line) override {
    on_piece(stream, detail::LinePiece{line, 0, line.size(), true, true});
  }

  // A line counts once, however many of its pieces match.
  void on_piece(Stream stream, const detail::LinePiece& piece) override {
    if (streams_ == OutputStreams::Stdout && stream != Stream::Out) return;
    if (streams_ == OutputStreams::Stderr && stream != Stream::Err) return;
    bool& hit = line_hit_[stream == Stream::Out ? 0 : 1];
    if (piece.first) hit = false;
    if (piece.last) lines_.fetch_add(1, std::memory_order_relaxed);
    if (hit || seen_.load(std::memory_order_relaxed) >= times_) return;  // the rest is drained
    if (regex_.search(piece)) {
      hit = true;
      seen_.fetch_add(1, std::memory_order_release);
    }
  }

  void on_output_closed() override { closed_.store(true); }

 private:
  std::string stream_name() const {
    switch (streams_) {
      case OutputStreams::Stdout:
        return "stdout";
      case OutputStreams::Stderr:
        return "stderr";
      case OutputStreams::Both:
        break;
    }
    return "stdout/stderr";
  }

  detail::LineRegex regex_;
  OutputStreams streams_;
  int times_;
  std::atomic<int> seen_{0};  // matching lines in this run
  std::atomic<std::uint64_t> lines_{0};
  std::atomic<bool> closed_{false};
  bool line_hit_[2] = {false, false};  // the current line of stdout / stderr already counted
};

}  // namespace

std::unique_ptr<Probe> make_output_probe(std::string banner_regex, OutputStreams streams,
                                         int times) {
  return std::make_unique<OutputProbe>(std::move(banner_regex), streams, times);
}

}  // namespace mirakuru
