// The banner probe: matched on the output thread, line by line, as the bytes arrive.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "mirakuru/probe.hpp"
#include "executors/messages.hpp"
#include "executors/regex_literal.hpp"

namespace mirakuru {

namespace {

class OutputProbe final : public Probe {
 public:
  OutputProbe(std::string pattern, OutputStreams streams)
      : pattern_(std::move(pattern)),
        regex_(pattern_, std::regex::ECMAScript | std::regex::optimize),
        streams_(streams) {
    // Banners are mostly plain text, and the lines before them almost never contain the text a
    // regex banner requires: find() first, std::regex (slow) only on candidate lines.
    plain_ = detail::plain_text(pattern_);
    if (plain_.empty()) required_ = detail::required_any(pattern_);
  }

  void reset() override {
    matched_.store(false);
    lines_.store(0);
    closed_.store(false);
  }

  ProbeResult check() override {
    if (matched_.load(std::memory_order_acquire)) return ProbeResult::ready();
    std::string seen = "banner not seen in " + detail::with_thousands(lines_.load()) + " line" +
                       (lines_.load() == 1 ? "" : "s") + " of " + stream_name();
    if (closed_.load()) return ProbeResult::never(seen + ", and the output has ended");
    return ProbeResult::not_yet(seen);
  }

  std::string describe() const override { return "banner /" + pattern_ + "/ on " + stream_name(); }

  bool wants_lines() const override { return true; }

  void on_line(Stream stream, std::string_view line) override {
    if (matched_.load(std::memory_order_relaxed)) return;  // the rest is only drained
    if (streams_ == OutputStreams::Stdout && stream != Stream::Out) return;
    if (streams_ == OutputStreams::Stderr && stream != Stream::Err) return;
    lines_.fetch_add(1, std::memory_order_relaxed);
    bool hit;
    if (!plain_.empty()) {
      hit = line.find(plain_) != std::string_view::npos;
    } else {
      const bool candidate =
          required_.empty() || std::any_of(required_.begin(), required_.end(), [&](const auto& t) {
            return line.find(t) != std::string_view::npos;
          });
      hit = candidate && std::regex_search(line.begin(), line.end(), regex_);
    }
    if (hit) matched_.store(true, std::memory_order_release);
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

  std::string pattern_;
  std::regex regex_;
  OutputStreams streams_;
  std::string plain_;                  // the whole pattern, when it is plain text
  std::vector<std::string> required_;  // every match contains one of these (empty: unknown)
  std::atomic<bool> matched_{false};
  std::atomic<std::uint64_t> lines_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<Probe> make_output_probe(std::string banner_regex, OutputStreams streams) {
  return std::make_unique<OutputProbe>(std::move(banner_regex), streams);
}

}  // namespace mirakuru
