// Ready when a check command (pg_isready, redis-cli ping) exits 0.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "executors/backoff.hpp"
#include "executors/messages.hpp"
#include "mirakuru/probe.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

namespace {

// The line a check command printed last is usually its verdict ("no response").
std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto nl = text.rfind('\n');
  if (nl != std::string::npos) text.erase(0, nl + 1);
  constexpr std::size_t kMax = 200;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

class ExecProbe final : public Probe {
 public:
  ExecProbe(Command check, Options options)
      : check_(std::move(check)), options_(std::move(options)) {
    options_.stdout_mode = Stdio::Capture;
    options_.stderr_mode = Stdio::Capture;
    options_.log_file.clear();
    options_.output_limit = std::size_t{16} * 1024;
    options_.expected_returncode.reset();
    // A check that hangs is killed without ceremony.
    options_.stop_timeout = std::chrono::milliseconds(100);
    per_run_ = std::max<std::chrono::milliseconds>(std::chrono::seconds(1), options_.poll_max * 50);
  }

  ProbeResult check() override {
    // The service died since the Executor last looked: running the check would only delay that.
    if (interrupted()) return cut_short();
    // Each run reaches the service: paced, however often output wakes the wait.
    if (!pacer_.due(std::chrono::steady_clock::now())) {
      return ProbeResult::not_yet(last_said_.empty() ? "the check \"" + check_.str() + "\" ran"
                                                     : last_said_);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline() - std::chrono::steady_clock::now());
    auto bound = std::clamp(left, std::chrono::milliseconds(1), per_run_);
    SimpleExecutor run(check_, options_);
    try {
      run.start();
    } catch (const SpawnError& e) {
      return ProbeResult::never("the check \"" + check_.str() + "\" cannot run: " + e.what());
    }
    auto code = wait_or_interrupt(run, bound);
    pacer_.reached(std::chrono::steady_clock::now());
    if (!code) {
      const bool cut = interrupted();
      run.kill();
      if (cut) return cut_short();
      // A run cut short by start()'s deadline says nothing new: keep what the last full run said.
      if (bound < per_run_ && !last_said_.empty()) return ProbeResult::not_yet(last_said_);
      return ProbeResult::not_yet("the check \"" + check_.str() + "\" did not finish within " +
                                  detail::format_duration(bound));
    }
    if (*code == 0) return ProbeResult::ready();
    std::string said = last_line(run.err_output());
    if (said.empty()) said = last_line(run.output());
    last_said_ = "the check \"" + check_.str() + "\" " + describe_returncode(*code) +
                 (said.empty() ? "" : ": " + said);
    return ProbeResult::not_yet(last_said_);
  }

  void reset() override {
    last_said_.clear();
    pacer_.reset();
  }

  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    return pacer_.next();
  }

  std::string describe() const override { return "check \"" + check_.str() + "\" to exit 0"; }

 private:
  // Waits for the check's exit, or until interrupted() (the service died) or `bound` ran out.
  // The check's exit ends the wait on its own event; the service's state lives behind a
  // predicate (Probe::interrupted()), so it is asked between short waits — a service death is
  // noticed within kInterruptSlice while the check runs, for a handful of wakeups per check.
  std::optional<int> wait_or_interrupt(SimpleExecutor& run, std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds::zero()) return run.wait(std::chrono::milliseconds(0));
      if (auto code = run.wait(std::min(left, kInterruptSlice))) return code;
      if (interrupted()) return std::nullopt;
    }
  }

  // What a check cut short by the service's death says: what the last full run said, if any.
  ProbeResult cut_short() const {
    if (!last_said_.empty()) return ProbeResult::not_yet(last_said_);
    return ProbeResult::not_yet("the check \"" + check_.str() +
                                "\" was stopped before it finished: the process exited");
  }

  // How soon a running check notices that the service died.
  static constexpr std::chrono::milliseconds kInterruptSlice{2};

  Command check_;
  Options options_;
  std::chrono::milliseconds per_run_;
  std::string last_said_;
  detail::Pacer pacer_;
};

}  // namespace

std::unique_ptr<Probe> make_exec_probe(Command check, Options options) {
  return std::make_unique<ExecProbe>(std::move(check), std::move(options));
}

}  // namespace mirakuru
