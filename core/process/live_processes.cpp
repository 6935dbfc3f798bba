#include "process/live_processes.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "process/fork_local.hpp"
#include "process/process.hpp"

namespace mirakuru::detail {
namespace {

struct Entry {
  std::weak_ptr<Process> process;
  const Process* key;
  pid_t owner;
  int control_fd;
  StopPlan plan;
};

struct Table {
  std::mutex mutex;
  std::vector<Entry> entries;
};

// Per process: the parent's processes are not a forked child's to stop.
ForkLocal<Table> g_table;

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

void register_process(const std::shared_ptr<Process>& process, pid_t owner, int control_fd,
                      const StopPlan& plan) {
  Table& t = g_table.get();
  std::lock_guard<std::mutex> lock(t.mutex);
  t.entries.push_back({process, process.get(), owner, control_fd, plan});
}

void unregister_process(const Process* process) {
  Table& t = g_table.get();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto& entries = t.entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.key == process; }),
                entries.end());
}

std::vector<StopRequest> request_stop_all() {
  Table& t = g_table.get();
  const pid_t self = ::getpid();
  std::vector<StopRequest> asked;
  // Declared before the lock: a process whose last owner let go meanwhile is destroyed after the
  // lock is released (its handle unregisters, which takes the lock).
  std::vector<std::shared_ptr<Process>> seen;
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const Entry& entry : t.entries) {
    auto process = entry.process.lock();
    if (!process || entry.owner != self) continue;
    seen.push_back(process);
    if (process->snapshot().done) continue;
    // The descriptor is still open: unregister_process() runs before it is closed, and it
    // needs this lock.
    if (!send_control_message(entry.control_fd, entry.plan.message())) {
      continue;  // the guardian is gone: its status pipe reports that on its own
    }
    asked.push_back({process, process->guardian.leader(),
                     entry.plan.deadline_from(std::chrono::steady_clock::now())});
  }
  return asked;
}

}  // namespace mirakuru::detail
