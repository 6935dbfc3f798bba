#include "mirakuru/simple_executor.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "executors/messages.hpp"
#include "executors/output_lines.hpp"
#include "executors/retry.hpp"
#include "process/launch.hpp"
#include "process/log.hpp"
#include "process/process.hpp"
#include "process/pump.hpp"
#include "process/spawn_failure_text.hpp"
#include "process/stop_plan.hpp"
#include "process/timeline.hpp"

namespace mirakuru {

using Clock = std::chrono::steady_clock;

namespace {

// Executors and runs are numbered in the runner, so that an OutputMark knows whose it is.
std::uint64_t next_serial() {
  static std::atomic<std::uint64_t> serial{0};
  return ++serial;
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
    : command_(std::move(command)), options_(std::move(options)), serial_(next_serial()) {
  detail::validate_options(options_);
  detail::validate_retry_options(options_);
}

SimpleExecutor::~SimpleExecutor() { kill_quietly(); }

SimpleExecutor::SimpleExecutor(SimpleExecutor&& other) noexcept
    : command_(std::move(other.command_)),
      options_(std::move(other.options_)),
      process_(other.replace_process(nullptr)),
      serial_(std::exchange(other.serial_, next_serial())),
      output_hook_(std::move(other.output_hook_)),
      want_listen_events_(other.want_listen_events_) {}

SimpleExecutor& SimpleExecutor::operator=(SimpleExecutor&& other) noexcept {
  if (this != &other) {
    kill_quietly();
    command_ = std::move(other.command_);
    options_ = std::move(other.options_);
    replace_process(other.replace_process(nullptr));
    serial_ = std::exchange(other.serial_, next_serial());
    output_hook_ = std::move(other.output_hook_);
    want_listen_events_ = other.want_listen_events_;
  }
  return *this;
}

// Observers on other threads copy the pointer under the lock, so a run they still read (its
// output ring) lives until they are done, even when start() replaces it meanwhile. The owning
// thread, the only writer, may read process_ directly.
std::shared_ptr<detail::Process> SimpleExecutor::current() const {
  std::lock_guard<std::mutex> lock(process_mutex_);
  return process_;
}

std::shared_ptr<detail::Process> SimpleExecutor::replace_process(
    std::shared_ptr<detail::Process> next) noexcept {
  std::lock_guard<std::mutex> lock(process_mutex_);
  process_.swap(next);
  return next;  // the previous run: released by the caller, outside the lock
}

SimpleExecutor::StartScope::StartScope(SimpleExecutor& executor) : executor_(executor) {
  std::lock_guard<std::mutex> lock(executor_.process_mutex_);
  if (executor_.start_depth_++ == 0) executor_.start_interrupted_ = false;
}

SimpleExecutor::StartScope::~StartScope() {
  std::shared_ptr<detail::Process> process;
  {
    std::lock_guard<std::mutex> lock(executor_.process_mutex_);
    if (--executor_.start_depth_ == 0) process = executor_.process_;
  }
  if (process) process->end_direct_reads();  // the pump alone serves the running process
}

bool SimpleExecutor::interrupt_start() noexcept {
  std::shared_ptr<detail::Process> process;
  {
    std::lock_guard<std::mutex> lock(process_mutex_);
    if (start_depth_ == 0) return false;
    start_interrupted_ = true;
    process = process_;
  }
  if (process) process->wake();  // the start() waits on this process's events
  return true;
}

bool SimpleExecutor::start_interrupted() const {
  std::lock_guard<std::mutex> lock(process_mutex_);
  return start_interrupted_;
}

void SimpleExecutor::fail_interrupted(std::chrono::milliseconds waited) {
  kill_quietly();
  const std::string cause = "was interrupted (interrupt_start()) after " +
                            detail::format_duration(waited) + "; what it had started was killed";
  throw StartInterrupted(command_.str(), "start() of '" + command_.str() + "' " + cause,
                         ErrorDetails{{}, cause, {}});
}

SimpleExecutor& SimpleExecutor::start() {
  if (running()) return *this;  // like Python mirakuru: starting a running executor does nothing
  StartScope scope(*this);
  detail::timeline::Span span(command_.argv, command_.line, "spawn");
  kill_quietly();  // a previous run that exited by itself: finish its guardian first

  detail::SpawnRequest request = detail::make_spawn_request(command_, options_);
  request.listen_events = want_listen_events_ && options_.listen_events;
  int log_fd = -1;
  if (!options_.log_file.empty()) {
    // Private (0600), and never through a symbolic link someone planted at that path.
    log_fd = ::open(options_.log_file.c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (log_fd < 0) {
      const int error = errno;
      const std::string why =
          std::generic_category().message(error) +
          (error == ELOOP ? ". It is a symbolic link, which a log file must not be: "
                            "remove it or choose another path."
                          : ". Check that its directory exists and is writable.");
      throw SpawnError(
          command_.str(), error, "open log_file",
          "cannot open log file '" + options_.log_file.string() + "' for '" + command_.str() +
              "': " + why,
          ErrorDetails{
              {}, "cannot open log file '" + options_.log_file.string() + "': " + why, {}});
    }
  }
  // Every run's lines are counted (and matched for wait_for_output()) from its first byte.
  auto lines = std::make_shared<detail::OutputLines>(options_.stdout_mode == Stdio::Capture,
                                                     options_.stderr_mode == Stdio::Capture);
  auto process = std::make_shared<detail::Process>(
      options_.output_limit, log_fd, output_hook_,
      [lines](Stream stream, std::string_view bytes, bool end) {
        lines->on_output(stream, bytes, end);
      },
      [lines] { lines->on_exit(); });
  process->lines = std::move(lines);
  process->run = next_serial();

  detail::Spawned spawned;
  detail::SpawnFailure failure;
  const auto started_at = Clock::now();
  if (!detail::spawn(request, spawned, failure)) {
    const std::string cause = detail::describe_spawn_failure(request, failure);
    throw SpawnError(command_.str(), failure.error, detail::stage_name(failure.stage),
                     "cannot start '" + command_.str() + "': " + cause,
                     ErrorDetails{{}, cause, {}});
  }
  const pid_t leader = spawned.guardian.leader();
  span.arg("pid", leader);
  process->guardian = std::move(spawned.guardian);
  process->open_outputs = (spawned.out_fd >= 0 ? 1 : 0) + (spawned.err_fd >= 0 ? 1 : 0);
  if (request.listen_events) {
    process->listen_events = spawned.listen.fd >= 0;
    process->no_new_privs = spawned.listen.no_new_privs;
    process->hold_listen_answers = spawned.listen.killable_recv;
    if (spawned.listen.fd < 0) {
      detail::logger()->debug("'{}': listen events {} ({}); its probe polls", command_.str(),
                              detail::listen_error_text(spawned.listen.error),
                              std::generic_category().message(spawned.listen.error));
    }
  }
  // A readiness executor that watches the output reads the pipes itself while start() waits
  // (one thread hand-off instead of two between a banner and start() returning); one that waits
  // for a listen() answers it itself, for the same reason.
  if (output_hook_ || spawned.listen.fd >= 0) {
    process->enable_direct_reads(output_hook_ ? spawned.out_fd : -1,
                                 output_hook_ ? spawned.err_fd : -1, spawned.listen.fd);
  }
  auto& pump = detail::Pump::instance();
  // First the listen notifications: the status pipe's end closes them.
  if (spawned.listen.fd >= 0) {
    pump.watch(spawned.listen.fd, detail::Pump::Source::Listen, process);
  }
  if (spawned.out_fd >= 0) pump.watch(spawned.out_fd, detail::Pump::Source::Out, process);
  if (spawned.err_fd >= 0) pump.watch(spawned.err_fd, detail::Pump::Source::Err, process);
  pump.watch(spawned.status_fd, detail::Pump::Source::Status, process);
  // Enrolled for install_termination_handler(), which stops every live process on SIGINT.
  process->guardian.enroll(process, detail::make_stop_plan(options_));
  replace_process(std::move(process));
  // An interrupt that came while spawning found no process to wake: it is seen here.
  if (start_interrupted()) {
    fail_interrupted(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at));
  }
  detail::logger()->debug(
      "started '{}' as pid {} in {:.3f} ms", command_.str(), leader,
      std::chrono::duration<double, std::milli>(Clock::now() - started_at).count());
  return *this;
}

// Runs the guardian's stop sequence and waits until everything is dead and reaped.
void SimpleExecutor::stop_impl(int sig, std::optional<int> expected, bool throw_on_code) {
  if (!process_ || !process_->guardian.owned()) return;
  auto process = process_;
  const detail::StopPlan plan = detail::make_stop_plan(options_, sig);
  const pid_t leader = process->guardian.leader();
  if (process->guardian.active()) {
    detail::timeline::Span span(command_.argv, command_.line, "stop");
    span.arg("pid", leader);
    span.arg("signal", sig);
    const auto before = Clock::now();
    const auto outcome = process->stop(plan);
    if (outcome.unresponsive) {
      detail::logger()->error("the guardian of '{}' did not finish; killed group {} directly",
                              command_.str(), leader);
    }
    if (outcome.lost) {
      detail::logger()->error("the guardian of '{}' was killed from outside; killed group {}",
                              command_.str(), leader);
    }
    detail::logger()->debug(
        "stopped '{}' (pid {}) in {:.3f} ms", command_.str(), leader,
        std::chrono::duration<double, std::milli>(Clock::now() - before).count());
  }
  process->release_direct_reads();  // what woke start() goes with the stopped process
  const auto state = process->snapshot();
  if (state.escalated) {
    detail::logger()->warn("'{}' (pid {}) did not stop within {} of signal {}; sent {}",
                           command_.str(), leader, detail::format_duration(plan.grace), sig,
                           options_.kill_signal);
    return;
  }
  if (!throw_on_code) return;
  const int rc = state.returncode;
  const int accepted = expected ? *expected : -sig;
  if (rc != 0 && rc != accepted) {
    const std::string cause = describe_returncode(rc) + " (expected: exited with code 0, or " +
                              describe_returncode(accepted) +
                              "; set expected_returncode if this is normal for the program)";
    std::string tail = output_tail();
    throw ProcessFinishedWithError(
        command_.str(), rc,
        "'" + command_.str() + "' " + cause + (tail.empty() ? std::string() : "\n" + tail),
        ErrorDetails{{}, cause, tail});
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
  } else if (process_) {
    process_->guardian.signal_all(signal_to_send);
  }
  return *this;
}

SimpleExecutor& SimpleExecutor::signal(int sig) {
  if (running()) process_->guardian.signal_group(sig);
  return *this;
}

std::optional<int> SimpleExecutor::wait(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  if (!process_->wait_until([](const auto& s) { return s.exited; },
                            detail::saturated_deadline(Clock::now(), timeout))) {
    return std::nullopt;
  }
  return process_->snapshot().returncode;
}

void SimpleExecutor::kill_quietly() noexcept {
  try {
    if (process_ && process_->guardian.active()) stop_impl(SIGKILL, std::nullopt, false);
  } catch (const std::exception& e) {
    detail::logger()->error("killing '{}' failed: {}", command_.str(), e.what());
  } catch (...) {
    detail::logger()->error("killing '{}' failed", command_.str());
  }
}

bool SimpleExecutor::running() const {
  const auto process = current();
  return process && process->guardian.active() && !process->snapshot().exited;
}

pid_t SimpleExecutor::pid() const {
  const auto process = current();
  return process && process->guardian.active() ? process->guardian.leader() : -1;
}

std::optional<int> SimpleExecutor::returncode() const {
  const auto process = current();
  if (!process) return std::nullopt;
  const auto state = process->snapshot();
  return state.exited ? std::optional<int>(state.returncode) : std::nullopt;
}

std::string SimpleExecutor::output() const {
  const auto process = current();
  return process ? process->output(Stream::Out) : std::string();
}

std::string SimpleExecutor::err_output() const {
  const auto process = current();
  return process ? process->output(Stream::Err) : std::string();
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
  const auto process = current();
  return process && process->wait_event(until, seen);
}

bool SimpleExecutor::exited() const {
  const auto process = current();
  return process && process->snapshot().exited;
}

std::optional<std::uint64_t> SimpleExecutor::listens() const {
  const auto process = current();
  if (!process || !process->listen_events) return std::nullopt;
  return process->listens();
}

std::vector<ListeningSocket> SimpleExecutor::listening(std::size_t from) const {
  const auto process = current();
  std::vector<ListeningSocket> sockets;
  if (!process) return sockets;
  for (auto& socket : process->listening(from)) {
    sockets.push_back({std::move(socket.address), socket.port, socket.v6only});
  }
  return sockets;
}

bool SimpleExecutor::listen_no_new_privs() const {
  const auto process = current();
  return process && process->no_new_privs;
}

bool SimpleExecutor::output_closed() const {
  const auto process = current();
  return process && process->snapshot().outputs_closed;
}

std::string SimpleExecutor::output_tail(std::size_t max_lines, std::size_t max_bytes) const {
  const auto process = current();
  if (!process) return {};
  std::string result;
  for (auto [stream, label] :
       {std::pair{Stream::Out, "stdout"}, std::pair{Stream::Err, "stderr"}}) {
    const std::string text = detail::tail(process->output(stream), max_lines, max_bytes / 2);
    if (text.empty()) continue;
    if (!result.empty()) result += '\n';
    result += detail::output_tail_header(label, command_.str()) + text;
  }
  return result;
}

}  // namespace mirakuru
