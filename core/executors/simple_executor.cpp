#include "mirakuru/simple_executor.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "process/launch.hpp"
#include "process/live_processes.hpp"
#include "process/log.hpp"
#include "process/process.hpp"
#include "process/pump.hpp"

namespace mirakuru {

using Clock = std::chrono::steady_clock;

namespace {

void send_control(int fd, const detail::ControlMessage& message) {
  // Never ::write directly: a guardian killed from outside would make it raise SIGPIPE.
  detail::send_control_message(fd, message);
}

std::chrono::milliseconds grace(const Options& options) {
  return options.stop_timeout.value_or(options.timeout);
}

}  // namespace

// ---- ScopedStop ------------------------------------------------------------------------------

ScopedStop::ScopedStop(ScopedStop&& other) noexcept
    : executor_(std::exchange(other.executor_, nullptr)) {}

ScopedStop::~ScopedStop() {
  if (executor_ == nullptr) return;
  try {
    executor_->start();
  } catch (const std::exception& e) {
    detail::logger()->error("restarting '{}' after stopped() failed: {}",
                            executor_->command().str(), e.what());
  }
}

void ScopedStop::resume() {
  if (executor_ == nullptr) return;
  SimpleExecutor* executor = std::exchange(executor_, nullptr);
  executor->start();
}

// ---- SimpleExecutor --------------------------------------------------------------------------

SimpleExecutor::SimpleExecutor(Command command, Options options)
    : command_(std::move(command)), options_(std::move(options)) {}

SimpleExecutor::~SimpleExecutor() { kill_quietly(); }

SimpleExecutor::SimpleExecutor(SimpleExecutor&& other) noexcept
    : command_(std::move(other.command_)),
      options_(std::move(other.options_)),
      process_(std::move(other.process_)),
      output_hook_(std::move(other.output_hook_)) {}

SimpleExecutor& SimpleExecutor::operator=(SimpleExecutor&& other) noexcept {
  if (this != &other) {
    kill_quietly();
    command_ = std::move(other.command_);
    options_ = std::move(other.options_);
    process_ = std::move(other.process_);
    output_hook_ = std::move(other.output_hook_);
  }
  return *this;
}

SimpleExecutor& SimpleExecutor::start() {
  if (running()) {
    throw std::logic_error("'" + command_.str() + "' is already running (pid " +
                           std::to_string(pid()) + "): stop() it before start()");
  }
  kill_quietly();  // a previous run that exited by itself: finish its guardian first

  detail::SpawnRequest request = detail::make_spawn_request(command_, options_);
  int log_fd = -1;
  if (!options_.log_file.empty()) {
    log_fd = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      const int error = errno;
      throw SpawnError(command_.str(), error, "open log_file",
                       "cannot open log file '" + options_.log_file.string() + "' for '" +
                           command_.str() + "': " + std::generic_category().message(error) +
                           ". Check that its directory exists and is writable.");
    }
  }
  auto process = std::make_shared<detail::Process>(options_.output_limit, log_fd, output_hook_);
  process->owner = ::getpid();

  detail::Spawned spawned;
  detail::SpawnFailure failure;
  const auto started_at = Clock::now();
  if (!detail::spawn(request, spawned, failure)) {
    const std::string stage = detail::stage_name(failure.stage);
    std::string hint;
    if (failure.stage == detail::SpawnStage::kChdir) {
      hint = "check that the directory '" + options_.cwd.string() + "' exists and is searchable";
    } else if (failure.error == ENOENT) {
      hint = "'" + request.argv.front() + "' was not found" +
             (request.argv.front().find('/') == std::string::npos
                  ? " in PATH (" + request.path + "); install it or give its full path"
                  : "; check the path");
    } else if (failure.error == EACCES) {
      hint = "'" + request.argv.front() + "' is not executable by this user; chmod +x it";
    } else if (failure.error == ENOEXEC) {
      hint = "'" + request.argv.front() + "' is not a binary nor a script with a #! line";
    } else {
      hint = "see errno above";
    }
    throw SpawnError(command_.str(), failure.error, stage,
                     "cannot start '" + command_.str() + "': " + stage +
                         " failed: " + std::generic_category().message(failure.error) + " (errno " +
                         std::to_string(failure.error) + "); " + hint);
  }
  process->spawned = spawned;
  process->open_outputs = (spawned.out_fd >= 0 ? 1 : 0) + (spawned.err_fd >= 0 ? 1 : 0);
  auto& pump = detail::Pump::instance();
  if (spawned.out_fd >= 0) pump.watch(spawned.out_fd, detail::Pump::Source::Out, process);
  if (spawned.err_fd >= 0) pump.watch(spawned.err_fd, detail::Pump::Source::Err, process);
  pump.watch(spawned.status_fd, detail::Pump::Source::Status, process);
  process_ = std::move(process);
  // Registered for install_termination_handler(), which stops every live process on SIGINT.
  detail::register_process(process_, {options_.stop_signal, options_.kill_signal, grace(options_)});
  detail::logger()->debug(
      "started '{}' as pid {} (guardian {}) in {:.3f} ms", command_.str(), spawned.pid,
      spawned.guardian,
      std::chrono::duration<double, std::milli>(Clock::now() - started_at).count());
  return *this;
}

// Runs the guardian's stop sequence and waits until everything is dead and reaped.
void SimpleExecutor::stop_impl(int sig, std::optional<int> expected, bool throw_on_code) {
  if (!process_ || process_->owner != ::getpid()) return;
  auto process = process_;
  const auto grace_period = sig == SIGKILL ? std::chrono::milliseconds(0) : grace(options_);
  if (process->spawned.guardian > 0) {
    const auto before = Clock::now();
    send_control(process->spawned.control_fd,
                 {detail::ControlMessage::kStop, sig, options_.kill_signal,
                  static_cast<std::int32_t>(grace_period.count())});
    // The guardian ends the sequence with SIGKILL, so it always finishes; the bound only
    // protects against a guardian that was itself killed from outside.
    const bool finished =
        process->wait_until([](const auto& s) { return s.done; },
                            Clock::now() + grace_period * 2 + std::chrono::seconds(10));
    if (!finished) {
      detail::logger()->error("guardian {} of '{}' did not finish; killing group {} directly",
                              process->spawned.guardian, command_.str(), process->spawned.pid);
      ::kill(-process->spawned.pid, SIGKILL);
      ::kill(process->spawned.guardian, SIGKILL);
    }
    while (::waitpid(process->spawned.guardian, nullptr, 0) < 0 && errno == EINTR) {
    }
    process->spawned.guardian = -1;
    if (process->snapshot().guardian_lost) {
      // Someone killed the guardian: its tree went to init. The group is all we can still reach.
      detail::logger()->error("the guardian of '{}' was killed from outside; killing group {}",
                              command_.str(), process->spawned.pid);
      ::kill(-process->spawned.pid, SIGKILL);
    }
    // Before the close: the registry may write to this descriptor until it is unregistered.
    detail::unregister_process(process.get());
    ::close(process->spawned.control_fd);
    process->spawned.control_fd = -1;
    // Everything that could write is dead: the last bytes are in flight to the pump.
    // ... and the pump releases the status pipe: no descriptor of this run outlives stop().
    process->wait_until([](const auto& s) { return s.outputs_closed && s.status_closed; },
                        Clock::now() + std::chrono::milliseconds(500));
    detail::logger()->debug(
        "stopped '{}' (pid {}) in {:.3f} ms", command_.str(), process->spawned.pid,
        std::chrono::duration<double, std::milli>(Clock::now() - before).count());
  }
  const auto state = process->snapshot();
  if (state.escalated) {
    detail::logger()->warn("'{}' (pid {}) did not stop within {} ms of signal {}; sent {}",
                           command_.str(), process->spawned.pid, grace_period.count(), sig,
                           options_.kill_signal);
    return;
  }
  if (!throw_on_code) return;
  const int rc = state.returncode;
  const int accepted = expected ? *expected : -sig;
  if (rc != 0 && rc != accepted) {
    throw ProcessFinishedWithError(
        command_.str(), rc,
        "'" + command_.str() + "' " + describe_returncode(rc) +
            " (expected: exited with code 0, or " + describe_returncode(accepted) +
            "; set expected_returncode if this is normal for the program)" + [&] {
              std::string t = output_tail();
              return t.empty() ? std::string() : "\n" + t;
            }());
  }
}

SimpleExecutor& SimpleExecutor::stop(std::optional<int> sig, std::optional<int> expected) {
  const int signal_to_send = sig.value_or(options_.stop_signal);
  stop_impl(signal_to_send, expected ? expected : options_.expected_returncode, true);
  return *this;
}

SimpleExecutor& SimpleExecutor::kill(bool wait, std::optional<int> sig) {
  const int signal_to_send = sig.value_or(options_.kill_signal);
  if (wait) {
    stop_impl(signal_to_send, std::nullopt, false);
  } else if (process_ && process_->owner == ::getpid()) {
    send_control(process_->spawned.control_fd,
                 {detail::ControlMessage::kSignalAll, signal_to_send, 0, 0});
  }
  return *this;
}

SimpleExecutor& SimpleExecutor::signal(int sig) {
  if (running() && process_->owner == ::getpid()) {
    send_control(process_->spawned.control_fd, {detail::ControlMessage::kSignalGroup, sig, 0, 0});
  }
  return *this;
}

std::optional<int> SimpleExecutor::wait(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  if (!process_->wait_until([](const auto& s) { return s.exited; }, Clock::now() + timeout)) {
    return std::nullopt;
  }
  return process_->snapshot().returncode;
}

void SimpleExecutor::kill_quietly() noexcept {
  try {
    if (process_ && process_->spawned.guardian > 0) stop_impl(SIGKILL, std::nullopt, false);
  } catch (const std::exception& e) {
    detail::logger()->error("killing '{}' failed: {}", command_.str(), e.what());
  } catch (...) {
    detail::logger()->error("killing '{}' failed", command_.str());
  }
}

bool SimpleExecutor::running() const {
  return process_ && process_->spawned.guardian > 0 && !process_->snapshot().exited;
}

pid_t SimpleExecutor::pid() const {
  return process_ && process_->spawned.guardian > 0 ? process_->spawned.pid : -1;
}

std::optional<int> SimpleExecutor::returncode() const {
  if (!process_) return std::nullopt;
  const auto state = process_->snapshot();
  return state.exited ? std::optional<int>(state.returncode) : std::nullopt;
}

std::string SimpleExecutor::output() const {
  return process_ ? process_->output(Stream::Out) : std::string();
}

std::string SimpleExecutor::err_output() const {
  return process_ ? process_->output(Stream::Err) : std::string();
}

ScopedStop SimpleExecutor::stopped() {
  if (!running()) return ScopedStop(nullptr);
  stop();
  return ScopedStop(this);
}

void SimpleExecutor::set_output_hook(OutputHook hook) {
  output_hook_ = std::move(hook);
  if (process_) process_->set_hook(output_hook_);
}

bool SimpleExecutor::wait_for_event(Clock::time_point until, std::uint64_t& seen) const {
  if (!process_) return false;
  return process_->wait_event(until, seen);
}

bool SimpleExecutor::exited() const { return process_ && process_->snapshot().exited; }

bool SimpleExecutor::output_closed() const {
  return process_ && process_->snapshot().outputs_closed;
}

std::string SimpleExecutor::output_tail(std::size_t max_lines, std::size_t max_bytes) const {
  if (!process_) return {};
  std::string result;
  for (auto [stream, label] :
       {std::pair{Stream::Out, "stdout"}, std::pair{Stream::Err, "stderr"}}) {
    const std::string text = detail::tail(process_->output(stream), max_lines, max_bytes / 2);
    if (text.empty()) continue;
    if (!result.empty()) result += '\n';
    result += "--- last " + std::string(label) + " of '" + command_.str() + "' ---\n" + text;
  }
  return result;
}

}  // namespace mirakuru
