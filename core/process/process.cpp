#include "process/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <ctime>

#include "process/listen_events.hpp"

namespace mirakuru::detail {

namespace {

// The process whose output this thread is delivering from a direct wait: that waiter needs no
// signal about its own bytes (it looks at the event count before it polls again).
thread_local const Process* delivering_directly = nullptr;

struct DeliveringDirectly {
  explicit DeliveringDirectly(const Process* process) { delivering_directly = process; }
  ~DeliveringDirectly() { delivering_directly = nullptr; }
  DeliveringDirectly(const DeliveringDirectly&) = delete;
  DeliveringDirectly& operator=(const DeliveringDirectly&) = delete;
};

}  // namespace

Process::~Process() {
  if (log_fd_ >= 0) ::close(log_fd_);
  release_direct_reads();
}

void Process::wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  bump_locked();
}

void Process::bump_locked() {
  ++events_;
  changed_.notify_all();
  signal_direct_waiter();
}

void Process::signal_direct_waiter() {
  // seq_cst, paired with wait_event_direct(): either the waiter sees the new event count when it
  // looks, or this sees it waiting and wakes its poll.
  if (!direct_waiting_.load() || delivering_directly == this) return;
  // The lock: release_direct_reads() may close the eventfd meanwhile (a write to a closed,
  // perhaps reused, descriptor number would land elsewhere).
  std::lock_guard<std::mutex> lock(event_fd_mutex_);
  if (direct_event_fd_ < 0) return;
  const std::uint64_t one = 1;
  ssize_t ignored = ::write(direct_event_fd_, &one, sizeof one);  // EAGAIN: already signalled
  (void)ignored;
}

void Process::on_output(Stream stream, const char* data, std::size_t size) {
  if (log_fd_ >= 0) {  // under input_mutex_: the two streams never interleave
    const char* p = data;
    std::size_t left = size;
    while (left > 0) {
      const ssize_t n = ::write(log_fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    (stream == Stream::Out ? out_ : err_).append(data, size);
  }
  call_hook(stream, std::string_view(data, size), false);
  if (watch_) watch_(stream, std::string_view(data, size), false);
  // After the hook: a waiter woken by this output sees what the hook made of it. Notified
  // outside the lock, so the woken waiter (start() waiting for a banner) does not wake only to
  // block on the mutex: one hand-off less on the path of every banner.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++events_;
  }
  changed_.notify_all();
  signal_direct_waiter();
}

void Process::call_hook(Stream stream, std::string_view bytes, bool end) {
  std::lock_guard<std::mutex> lock(hook_mutex_);
  if (hook_) hook_(stream, bytes, end);
}

void Process::on_output_eof(Stream stream) {
  call_hook(stream, {}, true);
  if (watch_) watch_(stream, {}, true);
  std::lock_guard<std::mutex> lock(mutex_);
  if (++closed_outputs_ >= open_outputs && log_fd_ >= 0) {
    ::close(log_fd_);
    log_fd_ = -1;
  }
  bump_locked();
}

void Process::on_status(const GuardianMessage& message) {
  bool exited;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message.type == GuardianMessage::kExited) {
      exited_ = true;
      returncode_ = message.value;
    } else if (message.type == GuardianMessage::kDone) {
      exited_ = true;
      returncode_ = message.value;
      escalated_ = message.escalated != 0;
      done_ = true;
    }
    exited = exited_;
    bump_locked();
  }
  if (exited && exit_watch_) exit_watch_();
}

void Process::on_status_eof() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Without a kDone record the guardian itself died (someone SIGKILLed it): its tree was
    // reparented elsewhere; the executor falls back to signalling the group directly.
    guardian_lost_ = !done_;
    done_ = true;
    status_closed_ = true;
    if (!exited_) {
      exited_ = true;
      returncode_ = -SIGKILL;
    }
    bump_locked();
  }
  if (exit_watch_) exit_watch_();
}

void Process::send_held_answers(int listener) {
  if (listener < 0) return;
  std::lock_guard<std::mutex> lock(listen_mutex_);
  if (!held_.empty()) detail::send_held_answers(listener, held_);
}

bool Process::answer_listens(int listener, bool hold) {
  ListenAnswers answers;
  {
    std::lock_guard<std::mutex> lock(listen_mutex_);  // the pump and a direct waiter
    if (!held_.empty()) detail::send_held_answers(listener, held_);
    answers = detail::answer_listens(listener, kMaxListening - listening_.size(),
                                     hold ? &held_ : nullptr);
    // Listed before listens() counts them: whoever sees the count finds the sockets.
    for (auto& socket : answers.listening) listening_.push_back(std::move(socket));
  }
  if (answers.answered > 0) {
    listens_.fetch_add(static_cast<std::uint64_t>(answers.answered));
    std::lock_guard<std::mutex> lock(mutex_);
    bump_locked();
  }
  return answers.finished;
}

std::vector<Listened> Process::listening(std::size_t from) const {
  std::lock_guard<std::mutex> lock(listen_mutex_);
  if (from >= listening_.size()) return {};
  return {listening_.begin() + static_cast<std::ptrdiff_t>(from), listening_.end()};
}

Process::Snapshot Process::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {exited_,        returncode_,   done_, escalated_, closed_outputs_ >= open_outputs,
          guardian_lost_, status_closed_};
}

std::string Process::output(Stream stream) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return (stream == Stream::Out ? out_ : err_).str();
}

std::string Process::output_range(Stream stream, std::uint64_t from, std::uint64_t to,
                                  std::uint64_t& first) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const OutputRing& ring = stream == Stream::Out ? out_ : err_;
  return ring.range(from, to, first);
}

std::uint64_t Process::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

bool Process::wait_event(std::chrono::steady_clock::time_point until, std::uint64_t& seen) {
  {
    std::unique_lock<std::mutex> direct(direct_mutex_, std::try_to_lock);
    if (direct && (direct_fds_[0] >= 0 || direct_fds_[1] >= 0 || direct_fds_[2] >= 0)) {
      return wait_event_direct(until, seen);
    }
  }
  std::unique_lock<std::mutex> lock(mutex_);
  const bool happened = changed_.wait_until(lock, until, [&] { return events_ != seen; });
  seen = events_;
  return happened;
}

void Process::enable_direct_reads(int out_fd, int err_fd, int listen_fd) {
  std::lock_guard<std::mutex> lock(direct_mutex_);
  {
    std::lock_guard<std::mutex> event_lock(event_fd_mutex_);
    direct_event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  if (direct_event_fd_ < 0) return;  // no direct reads: the pump alone delivers, as always
  const int fds[3] = {out_fd, err_fd, listen_fd};
  for (int i = 0; i < 3; ++i) {
    if (fds[i] >= 0) direct_fds_[i] = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
  }
}

void Process::end_direct_reads() {
  std::lock_guard<std::mutex> lock(direct_mutex_);
  for (int& fd : direct_fds_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void Process::release_direct_reads() {
  end_direct_reads();
  std::lock_guard<std::mutex> event_lock(event_fd_mutex_);
  if (direct_event_fd_ >= 0) ::close(direct_event_fd_);
  direct_event_fd_ = -1;
}

std::uint32_t Process::pump_events(PumpSlot slot) {
  return slot == kPumpListen ? EPOLLIN | EPOLLOUT : EPOLLIN;
}

// EPOLL_CTL_MOD never allocates (unlike a DEL and a new ADD), so standing back cannot fail;
// epoll adds EPOLLERR | EPOLLHUP to every mask, which is what keeps the hang-ups coming.
unsigned Process::stand_aside() {
  std::lock_guard<std::mutex> lock(pump_mutex_);
  unsigned slots = 0;
  for (int slot = 0; slot < 3; ++slot) {
    const PumpWatch& watch = pump_watches[slot];
    if (direct_fds_[slot] < 0 || watch.fd < 0 || pump_epoll_fd < 0) continue;
    epoll_event event{};
    event.data.ptr = watch.watch;
    if (::epoll_ctl(pump_epoll_fd, EPOLL_CTL_MOD, watch.fd, &event) == 0) slots |= 1U << slot;
  }
  return slots;
}

void Process::stand_back(unsigned slots) {
  if (slots == 0) return;
  std::lock_guard<std::mutex> lock(pump_mutex_);
  for (int slot = 0; slot < 3; ++slot) {
    const PumpWatch& watch = pump_watches[slot];
    // Closed meanwhile (the pump saw the hang-up): nothing to restore.
    if ((slots & (1U << slot)) == 0 || watch.fd < 0) continue;
    epoll_event event{};
    // Input left in the descriptor wakes the pump at once, and so does an answer held back.
    event.events = pump_events(static_cast<PumpSlot>(slot));
    event.data.ptr = watch.watch;
    ::epoll_ctl(pump_epoll_fd, EPOLL_CTL_MOD, watch.fd, &event);
  }
}

// Called with direct_mutex_ held.
bool Process::wait_event_direct(std::chrono::steady_clock::time_point until, std::uint64_t& seen) {
  direct_waiting_.store(true);
  struct NotWaiting {
    Process& process;
    unsigned aside;
    ~NotWaiting() {
      process.stand_back(aside);
      process.direct_waiting_.store(false);
    }
  } not_waiting{*this, 0};
  // The first poll only looks: a wait that finds input ready (a chatty service) reads it at once,
  // and only one that will block sets the pump's watches aside for its duration.
  bool blocking = false;
  char buffer[16 * 1024];
  const DeliveringDirectly delivering(this);  // what this thread reports needs no signal to it
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (events_ != seen) {
        seen = events_;
        return true;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return false;
    pollfd fds[4] = {{direct_fds_[0], POLLIN, 0},
                     {direct_fds_[1], POLLIN, 0},
                     {direct_event_fd_, POLLIN, 0},
                     {direct_fds_[2], POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now);
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
    timeout.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    const bool forever = until == std::chrono::steady_clock::time_point::max() ||
                         left > std::chrono::hours(24 * 365);
    timespec look{};
    const int ready = ::ppoll(fds, 4, !blocking ? &look : forever ? nullptr : &timeout, nullptr);
    if (ready < 0 && errno != EINTR) {
      return false;  // cannot happen with valid descriptors; the caller's loop goes on
    }
    if (ready == 0 && !blocking) {
      blocking = true;
      // A wait that sleeps sends what it held back itself: the pump may not have seen it yet,
      // and would not while this wait holds its watch aside.
      send_held_answers(direct_fds_[2]);
      not_waiting.aside = stand_aside();
      continue;  // input that came meanwhile is seen by the next poll (or read by the pump)
    }
    if (fds[2].revents != 0) {
      std::uint64_t count;
      ssize_t ignored = ::read(direct_event_fd_, &count, sizeof count);
      (void)ignored;
    }
    if (fds[3].revents != 0 && answer_listens(direct_fds_[2], hold_listen_answers)) {
      ::close(direct_fds_[2]);  // the pump closes its own descriptor
      direct_fds_[2] = -1;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      std::lock_guard<std::mutex> input(input_mutex_);
      const ssize_t got = ::read(direct_fds_[i], buffer, sizeof buffer);
      if (got > 0) {
        on_output(i == 0 ? Stream::Out : Stream::Err, buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        // EOF (or a broken pipe): the pump reports it; stop polling this one.
        ::close(direct_fds_[i]);
        direct_fds_[i] = -1;
      }
    }
  }
}

bool Process::wait_until(const std::function<bool(const Snapshot&)>& pred,
                         std::chrono::steady_clock::time_point until) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_until(lock, until, [&] {
    return pred(Snapshot{exited_, returncode_, done_, escalated_, closed_outputs_ >= open_outputs,
                         guardian_lost_, status_closed_});
  });
}

void Process::set_hook(OutputHook hook) {
  std::lock_guard<std::mutex> lock(hook_mutex_);
  hook_ = std::move(hook);
}

Process::StopOutcome Process::stop(const StopPlan& plan) {
  StopOutcome outcome;
  if (!guardian.active() || !guardian.owned()) return outcome;
  const auto deadline = plan.deadline_from(std::chrono::steady_clock::now());
  guardian.request_stop(plan);
  if (!wait_until([](const Snapshot& s) { return s.done; }, deadline)) {
    outcome.unresponsive = true;
    guardian.kill_directly();
  }
  guardian.reap();
  if (snapshot().guardian_lost) {
    // Someone killed the guardian: its tree went to init. The group is all we can still reach.
    outcome.lost = true;
    guardian.kill_directly();
  }
  // Everything that could write is dead: the last bytes are in flight to the pump, which then
  // releases the status pipe too — no descriptor of this run outlives stop().
  wait_until([](const Snapshot& s) { return s.outputs_closed && s.status_closed; },
             std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
  return outcome;
}

}  // namespace mirakuru::detail
