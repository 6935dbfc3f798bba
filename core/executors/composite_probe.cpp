// all_of / any_of: one probe made of several.
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "executors/piece_probe.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

namespace {

using Clock = std::chrono::steady_clock;

class CompositeProbe final : public Probe, public detail::PieceProbe {
 public:
  CompositeProbe(std::vector<std::unique_ptr<Probe>> parts, bool all)
      : parts_(std::move(parts)), done_(parts_.size(), false), all_(all) {
    const char* name = all_ ? "all_of" : "any_of";
    if (parts_.empty()) {
      throw std::invalid_argument(std::string("mirakuru::") + name + ": no probes given");
    }
    for (const auto& part : parts_) {
      if (!part) throw std::invalid_argument(std::string("mirakuru::") + name + ": a null probe");
      part->set_interrupt([this] { return interrupted(); });
    }
  }

  // The resource of any part is taken (a port another process holds): starting cannot work.
  bool occupied() override {
    return std::any_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->occupied(); });
  }

  void reset() override {
    for (auto& part : parts_) part->reset();
    std::fill(done_.begin(), done_.end(), false);
  }

  // A part once ready stays ready for this start (a banner was seen, a port accepted): it is
  // not asked again.
  ProbeResult check() override {
    std::string waiting;
    std::string never;
    std::size_t ready = 0, nevers = 0;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (done_[i]) {
        ++ready;
        continue;
      }
      Probe& part = *parts_[i];
      part.set_deadline(deadline());
      const ProbeResult result = part.check();
      if (result.is_ready()) {
        done_[i] = true;
        ++ready;
        if (!all_) return ProbeResult::ready(part.describe());
        continue;
      }
      const std::string said = part.describe() + ": " + result.detail;
      if (result.state == ProbeResult::State::Never) {
        ++nevers;
        never += (never.empty() ? "" : "; ") + said;
      }
      waiting += (waiting.empty() ? "" : "; ") + said;
    }
    if (ready == parts_.size()) return ProbeResult::ready();
    // all_of: one part that can never hold is enough; any_of: every part must be lost.
    if ((all_ && nevers > 0) || (!all_ && nevers == parts_.size() - ready)) {
      return ProbeResult::never(never);
    }
    return ProbeResult::not_yet(waiting);
  }

  std::string describe() const override {
    std::string text = all_ ? "all of (" : "any of (";
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      text += (i ? "; " : "") + parts_[i]->describe();
    }
    return text + ")";
  }

  // The soonest any waiting part asks for; a part that does not say puts the whole on the
  // Executor's backoff.
  std::optional<Clock::time_point> next_check() const override {
    auto soonest = Clock::time_point::max();
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (done_[i]) continue;
      const auto wanted = parts_[i]->next_check();
      if (!wanted) return std::nullopt;
      soonest = std::min(soonest, *wanted);
    }
    return soonest;
  }

  void on_listening(const ListeningSocket& socket) override {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!done_[i]) parts_[i]->on_listening(socket);
    }
  }

  bool waits_for_listen() const override {
    return std::any_of(parts_.begin(), parts_.end(),
                       [](const auto& p) { return p->waits_for_listen(); });
  }

  bool wants_lines() const override {
    return std::any_of(parts_.begin(), parts_.end(),
                       [](const auto& p) { return p->wants_lines(); });
  }

  void on_line(Stream stream, std::string_view line) override {
    on_piece(stream, detail::LinePiece{line, 0, line.size(), true, true});
  }

  void on_piece(Stream stream, const detail::LinePiece& piece) override {
    for (auto& part : parts_) {
      if (part->wants_lines()) detail::deliver(*part, stream, piece);
    }
  }

  void on_output_closed() override {
    for (auto& part : parts_) part->on_output_closed();
  }

 private:
  std::vector<std::unique_ptr<Probe>> parts_;
  std::vector<bool> done_;  // start() thread only (check/reset)
  bool all_;
};

}  // namespace

std::unique_ptr<Probe> all_of(std::vector<std::unique_ptr<Probe>> probes) {
  return std::make_unique<CompositeProbe>(std::move(probes), true);
}

std::unique_ptr<Probe> any_of(std::vector<std::unique_ptr<Probe>> probes) {
  return std::make_unique<CompositeProbe>(std::move(probes), false);
}

}  // namespace mirakuru
