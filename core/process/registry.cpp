#include "process/registry.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

namespace mirakuru::detail {
namespace {

struct Entry {
  std::weak_ptr<Process> process;
  const Process* key;
  pid_t owner;
  int control_fd;
  StopPlan plan;
};

// Leaked on purpose, like the pump's: a forked child replaces both (the parent's mutex may be
// held by a thread that does not exist in the child, and the parent's processes are not the
// child's to stop).
std::mutex* g_mutex = new std::mutex;                    // NOLINT
std::vector<Entry>* g_entries = new std::vector<Entry>;  // NOLINT
std::once_flag g_atfork_once;

void install_atfork() {
  std::call_once(g_atfork_once, [] {
    ::pthread_atfork(nullptr, nullptr, [] {
      g_mutex = new std::mutex;            // NOLINT
      g_entries = new std::vector<Entry>;  // NOLINT
    });
  });
}

}  // namespace

bool send_control_message(int fd, const ControlMessage& message) {
  if (fd < 0) return false;
  // A write to a pipe nobody reads raises SIGPIPE, whose default action would kill the runner.
  // Block it around the write and swallow the one this write raised (SIGPIPE from write() is
  // directed at the calling thread), unless one was already pending for someone else.
  sigset_t pipe_only, previous, pending;
  ::sigemptyset(&pipe_only);
  ::sigaddset(&pipe_only, SIGPIPE);
  ::sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  ssize_t n;
  do {
    n = ::write(fd, &message, sizeof message);
  } while (n < 0 && errno == EINTR);
  const int error = errno;
  if (n < 0 && error == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = error;
  return n == static_cast<ssize_t>(sizeof message);
}

void register_process(const std::shared_ptr<Process>& process, StopPlan plan) {
  install_atfork();
  std::lock_guard<std::mutex> lock(*g_mutex);
  g_entries->push_back({process, process.get(), process->owner, process->spawned.control_fd, plan});
}

void unregister_process(const Process* process) {
  install_atfork();
  std::lock_guard<std::mutex> lock(*g_mutex);
  auto& entries = *g_entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.key == process; }),
                entries.end());
}

std::vector<StopRequest> request_stop_all() {
  install_atfork();
  const pid_t self = ::getpid();
  std::vector<StopRequest> asked;
  std::lock_guard<std::mutex> lock(*g_mutex);
  for (const Entry& entry : *g_entries) {
    auto process = entry.process.lock();
    if (!process || entry.owner != self || process->snapshot().done) continue;
    const auto grace =
        entry.plan.stop_signal == SIGKILL ? std::chrono::milliseconds(0) : entry.plan.grace;
    // The descriptor is still open: unregister_process() runs before it is closed, and it
    // needs this lock.
    if (!send_control_message(entry.control_fd,
                              {ControlMessage::kStop, entry.plan.stop_signal,
                               entry.plan.kill_signal, static_cast<std::int32_t>(grace.count())})) {
      continue;  // the guardian is gone: its status pipe reports that on its own
    }
    // The guardian escalates on its own after the grace; the margin only bounds the wait for
    // a guardian that someone else killed meanwhile.
    const pid_t pid = process->spawned.pid;  // written once, before registration
    asked.push_back({std::move(process), pid,
                     std::chrono::steady_clock::now() + grace * 2 + std::chrono::seconds(5)});
  }
  return asked;
}

}  // namespace mirakuru::detail
