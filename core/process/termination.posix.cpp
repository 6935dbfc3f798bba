// The opt-in SIGINT/SIGTERM handler (mirakuru/cleanup.hpp).
//
// The handler itself only writes the siginfo to a self-pipe: stopping services takes locks,
// allocates and waits, none of which is allowed in signal context. A dedicated thread, created
// at install time with every signal blocked, reads the pipe, stops everything through the
// registry, removes the registered scratch directories (termination_dirs.hpp: the re-raise ends
// the runner before any destructor could), chains the previous handler, then re-raises the
// signal with SIG_DFL.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "mirakuru/cleanup.hpp"
#include "mirakuru/errors.hpp"
#include "process/live_processes.hpp"
#include "process/log.hpp"
#include "process/process.hpp"
#include "process/termination_dirs.hpp"
#include "process/timeline.hpp"

namespace mirakuru {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM};
constexpr int kSignalCount = 2;

// The dispositions found at install time; written before the handlers are installed,
// read-only afterwards.
struct sigaction g_previous[kSignalCount];
// The handler reads these; atomics so that a forked child re-installing is still well-defined.
std::atomic<int> g_pipe_write{-1};
std::atomic<pid_t> g_installer{-1};
std::atomic<int> g_stopping{0};
std::atomic<int> g_signal{0};  // termination_signal()
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs lock-free atomics");
static_assert(std::atomic<pid_t>::is_always_lock_free, "the handler needs lock-free atomics");

std::mutex g_install_mutex;

int index_of(int sig) { return sig == SIGINT ? 0 : 1; }

bool is_function(const struct sigaction& action) {
  if (action.sa_flags & SA_SIGINFO) return action.sa_sigaction != nullptr;
  return action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN;
}

void call_previous(int sig, siginfo_t* info, void* context) {
  const struct sigaction& action = g_previous[index_of(sig)];
  if (action.sa_flags & SA_SIGINFO) {
    action.sa_sigaction(sig, info, context);
  } else {
    action.sa_handler(sig);
  }
}

// Default disposition, then raise: the signal is blocked while a handler for it runs (and in
// the stopper thread), so it is delivered — and the process ends — once it is unblocked.
void die_by(int sig) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
  sigset_t only;
  ::sigemptyset(&only);
  ::sigaddset(&only, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
}

// Signal context: async-signal-safe calls only.
void on_signal(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  if (::getpid() != g_installer.load()) {
    // A forked copy of the runner: it has no stopper thread and owns none of the services.
    if (is_function(g_previous[index_of(sig)])) {
      call_previous(sig, info, context);
    } else {
      die_by(sig);
    }
    errno = saved_errno;
    return;
  }
  if (g_stopping.exchange(1) != 0) {
    die_by(sig);  // a second signal while stopping: "hurry up" — the guardians finish the job
    errno = saved_errno;
    return;
  }
  g_signal.store(sig);
  siginfo_t record{};
  if (info != nullptr) std::memcpy(&record, info, sizeof record);
  record.si_signo = sig;
  // One record of sizeof(siginfo_t) (128) < PIPE_BUF: atomic; the pipe is empty, it fits.
  if (::write(g_pipe_write.load(), &record, sizeof record) != static_cast<ssize_t>(sizeof record)) {
    die_by(sig);  // cannot reach the stopper: fall back on the guardians
  }
  errno = saved_errno;
}

void stop_everything(int sig) {
  const auto started = std::chrono::steady_clock::now();
  std::size_t stopped = 0;
  // A few rounds: a service another thread started while the first round ran is stopped too.
  for (int round = 0; round < 4; ++round) {
    auto requests = detail::request_stop_all();
    if (requests.empty()) break;
    if (round == 0) {
      detail::logger()->info("{}: stopping {} service(s) gracefully", describe_signal(sig),
                             requests.size());
    }
    for (auto& request : requests) {
      const bool done =
          request.process->wait_until([](const auto& s) { return s.done; }, request.deadline);
      if (!done) {
        detail::logger()->error(
            "pid {} was not stopped in time; its guardian will kill it once this runner is gone",
            request.pid);
      }
      ++stopped;
    }
  }
  detail::logger()->info(
      "stopped {} service(s) in {:.1f} ms; ending with {}", stopped,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
      describe_signal(sig));
}

void stopper_main(int read_fd) {
  siginfo_t record{};
  for (;;) {
    const ssize_t n = ::read(read_fd, &record, sizeof record);
    if (n == static_cast<ssize_t>(sizeof record)) break;
    if (n < 0 && errno == EINTR) continue;
    return;  // cannot happen: the write end lives as long as the process
  }
  const int sig = record.si_signo;
  // What was kept for inspection stays decided as of now: a service failing because it is being
  // stopped below is no failure to inspect.
  detail::freeze_cleanups();
  try {
    stop_everything(sig);
  } catch (const std::exception& e) {
    detail::logger()->error("stopping services after {} failed: {}", describe_signal(sig),
                            e.what());
  }
  // Only once every process is gone (none still writes there), and before the previous handler,
  // which may well end the process itself.
  const std::size_t removed = detail::run_cleanups();
  if (removed > 0) detail::logger()->info("cleaned up {} temporary directory tree(s)", removed);
  if (detail::timeline::enabled()) {  // the trace of an interrupted run is written too
    const auto now = detail::timeline::Clock::now();
    try {
      detail::timeline::record({"set", "interrupted by " + describe_signal(sig), now, now, {}});
    } catch (...) {  // out of memory: the trace goes without this mark
    }
    detail::timeline::write_trace();
  }
  if (is_function(g_previous[index_of(sig)])) call_previous(sig, &record, nullptr);
  die_by(sig);
  ::_exit(128 + sig);  // only if the default action was somehow not fatal
}

}  // namespace

void install_termination_handler() {
  std::lock_guard<std::mutex> lock(g_install_mutex);
  const pid_t self = ::getpid();
  const bool in_fork = g_installer.load() != -1;
  if (g_installer.load() == self) return;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    throw std::system_error(errno, std::generic_category(), "install_termination_handler: pipe2");
  }
  // The handler must never block, even if the stopper is slow to read.
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);

  // The stopper inherits a fully blocked mask: the handler never runs on it, and the re-raise
  // there is delivered exactly when die_by() unblocks it.
  sigset_t all, previous_mask;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous_mask);
  try {
    std::thread(stopper_main, fds[0]).detach();
  } catch (...) {
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);

  g_pipe_write.store(fds[1]);
  g_stopping.store(0);
  g_signal.store(0);
  g_installer.store(self);
  if (in_fork) return;  // a forked copy of an installed runner: the handlers are in place

  struct sigaction action {};
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  ::sigemptyset(&action.sa_mask);
  for (int sig : kSignals) ::sigaddset(&action.sa_mask, sig);
  for (int i = 0; i < kSignalCount; ++i) {
    struct sigaction current {};
    ::sigaction(kSignals[i], nullptr, &current);
    g_previous[i] = current;
    // An ignored SIGINT is how shells protect background jobs: keep it ignored.
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) continue;
    ::sigaction(kSignals[i], &action, nullptr);  // cannot fail for these two signals
  }
  detail::logger()->debug("termination handler installed for SIGINT and SIGTERM");
}

int termination_signal() noexcept { return g_installer.load() == ::getpid() ? g_signal.load() : 0; }

}  // namespace mirakuru
