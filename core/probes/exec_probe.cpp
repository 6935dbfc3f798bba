// Ready when a check command (pg_isready, redis-cli ping) exits 0.
#include <algorithm>
#include <string>

#include "mirakuru/probe.hpp"
#include "mirakuru/simple_executor.hpp"
#include "probes/messages.hpp"

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
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline() - std::chrono::steady_clock::now());
    auto bound = std::clamp(left, std::chrono::milliseconds(1), per_run_);
    SimpleExecutor run(check_, options_);
    try {
      run.start();
    } catch (const SpawnError& e) {
      return ProbeResult::never("the check \"" + check_.str() + "\" cannot run: " + e.what());
    }
    auto code = run.wait(bound);
    if (!code) {
      run.kill();
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

  void reset() override { last_said_.clear(); }

  std::string describe() const override { return "check \"" + check_.str() + "\" to exit 0"; }

 private:
  Command check_;
  Options options_;
  std::chrono::milliseconds per_run_;
  std::string last_said_;
};

}  // namespace

std::unique_ptr<Probe> make_exec_probe(Command check, Options options) {
  return std::make_unique<ExecProbe>(std::move(check), std::move(options));
}

}  // namespace mirakuru
