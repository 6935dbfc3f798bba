// The banner probe: matched on the output thread, line by line, as the bytes arrive.
#include <atomic>
#include <cctype>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <utility>

#include "mirakuru/probe.hpp"
#include "probes/messages.hpp"

namespace mirakuru {

namespace {

// A banner is very often plain text ("Ready to accept connections"). std::regex is slow (tens
// of microseconds per long line, far more in debug builds) and every line of a chatty service
// goes through the shared output thread, so plain text is searched with find() instead.
// Returns the literal text when `pattern` has no regex meaning beyond escaped punctuation.
bool as_literal(const std::string& pattern, std::string& literal) {
  static const std::string special = ".^$|?*+()[]{}";
  literal.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      if (i + 1 >= pattern.size()) return false;
      char next = pattern[++i];
      // \. \( etc. are literal; \d \s \b \w \n ... are not.
      if (std::isalnum(static_cast<unsigned char>(next))) return false;
      literal += next;
    } else if (special.find(c) != std::string::npos) {
      return false;
    } else {
      literal += c;
    }
  }
  return !literal.empty();
}

class OutputProbe final : public Probe {
 public:
  OutputProbe(std::string pattern, OutputStreams streams)
      : pattern_(std::move(pattern)),
        regex_(pattern_, std::regex::ECMAScript | std::regex::optimize),
        streams_(streams) {
    is_literal_ = as_literal(pattern_, literal_);
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
    bool hit = is_literal_ ? line.find(literal_) != std::string_view::npos
                           : std::regex_search(line.begin(), line.end(), regex_);
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
  bool is_literal_ = false;
  std::string literal_;
  std::atomic<bool> matched_{false};
  std::atomic<std::uint64_t> lines_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<Probe> make_output_probe(std::string banner_regex, OutputStreams streams) {
  return std::make_unique<OutputProbe>(std::move(banner_regex), streams);
}

}  // namespace mirakuru
