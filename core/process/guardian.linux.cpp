// The guardian: one per started process, forked from the runner, never exec'd.
//
// Everything in this file runs in a child forked from a multi-threaded runner. Until the
// guardian exits it may only call async-signal-safe functions: it cannot allocate, cannot take
// a lock, cannot log, cannot throw. All data it needs was prepared by the runner before fork.
//
// Why a guardian and not the runner itself: the runner must not become a child subreaper (that
// would change how every other library's orphans behave), must not install a SIGCHLD handler,
// and cannot outlive itself. The guardian is a subreaper for exactly one service tree, so
// double-forked and setsid'd descendants are reparented to it instead of to init — no /proc walk
// or environment marker can lose them — and it notices the runner's death as EOF on the control
// pipe, whatever killed the runner (SIGKILL included).
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "process/guardian_protocol.hpp"

namespace mirakuru::detail {
namespace {

// ---- tiny async-signal-safe helpers ----------------------------------------------------------

long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// now_ms() + ms, saturated: a grace of LLONG_MAX (Options::timeout = milliseconds::max()) means
// "no limit", not an overflow into the past.
long long deadline_in(long long ms) {
  const long long now = now_ms();
  if (ms <= 0) return now;
  return ms >= LLONG_MAX - now ? LLONG_MAX : now + ms;
}

void sigchld_noop(int /*unused*/) {}  // its only job is to interrupt ppoll()

char* format_uint(char* end, unsigned long value) {
  *--end = '\0';
  do {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

// Calls fn(pid) for every direct child of this (single-threaded) process, zombies included.
// Returns false when the kernel offers no children list (CONFIG_PROC_CHILDREN off).
template <typename Fn>
bool for_each_child(Fn&& fn) {
  char path[64] = "/proc/self/task/";
  char number[24];
  const char* tid = format_uint(number + sizeof number, static_cast<unsigned long>(::getpid()));
  size_t len = 16;
  while (*tid != '\0') path[len++] = *tid++;
  const char suffix[] = "/children";
  for (size_t i = 0; i < sizeof suffix; ++i) path[len++] = suffix[i];

  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  long current = -1;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] >= '0' && buf[i] <= '9') {
        current = (current < 0 ? 0 : current * 10) + (buf[i] - '0');
      } else if (current >= 0) {
        fn(static_cast<pid_t>(current));
        current = -1;
      }
    }
  }
  if (current >= 0) fn(static_cast<pid_t>(current));
  ::close(fd);
  return true;
}

// ---- the guardian -----------------------------------------------------------------------------

class Guardian {
 public:
  Guardian(pid_t leader, int control_fd, int status_fd)
      : leader_(leader), control_fd_(control_fd), status_fd_(status_fd) {
    ::sigfillset(&wait_mask_);
    ::sigdelset(&wait_mask_, SIGCHLD);
  }

  [[noreturn]] void run(const SpawnRequest& request) {
    orphan_grace_ms_ = request.orphan_grace.count();
    for (;;) {
      observe();
      pollfd pfd{control_fd_, POLLIN, 0};
      int r = ::ppoll(&pfd, 1, nullptr, &wait_mask_);
      if (r <= 0) continue;  // SIGCHLD (EINTR): observe again
      ControlMessage message{};
      ssize_t n = ::read(control_fd_, &message, sizeof message);
      if (n < 0 && errno == EINTR) continue;
      if (n != static_cast<ssize_t>(sizeof message)) {
        // EOF: the runner is gone (exit, crash, SIGKILL). Nobody will ever stop this tree.
        runner_gone_ = true;
        stop(request.stop_signal, SIGKILL, request.orphan_grace.count());
      }
      switch (message.op) {
        case ControlMessage::kSignalGroup:
          if (!leader_reaped_) ::kill(-leader_, message.signal);
          break;
        case ControlMessage::kSignalAll:
          signal_all(message.signal, /*only_new=*/false);
          break;
        case ControlMessage::kStop:
          stop(message.signal, message.kill_signal, message.grace_ms);
        default:
          break;
      }
    }
  }

 private:
  // Reports the leader's exit (without reaping it: its pid stays reserved as the group id until
  // everything else is gone) and reaps every other child. Returns the number of live children
  // besides the leader.
  int observe() {
    if (!leader_exited_) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(leader_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == leader_) {
        leader_exited_ = true;
        returncode_ = info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
        const GuardianMessage exited{GuardianMessage::kExited, returncode_, 0, 0};
        write_all(status_fd_, &exited, sizeof exited);
      }
    }
    // A child that dies after the list was read has its own children re-parented to us after
    // that read: only a fresh read shows them. So read again after every reap, and trust only
    // a pass that reaped nothing (between reaps the kernel's list only grows).
    int others = 0;
    int reaped = 0;
    bool listed = true;
    do {
      others = 0;
      reaped = 0;
      listed = for_each_child([&](pid_t child) {
        if (child == leader_) return;
        const pid_t r = ::waitpid(child, nullptr, WNOHANG);
        if (r == 0) ++others;
        if (r == child) ++reaped;
      });
    } while (listed && reaped > 0);
    if (!listed) {
      // No children list: reap whatever else has exited, leaving the leader for last.
      siginfo_t info{};
      while (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0 &&
             info.si_pid != leader_) {
        ::waitpid(info.si_pid, nullptr, WNOHANG);
        info = siginfo_t{};
      }
      others = ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 ? 1 : 0;
    }
    return others;
  }

  bool signaled_before(pid_t pid) const {
    for (int i = 0; i < signaled_count_; ++i) {
      if (signaled_[i] == pid) return true;
    }
    return false;
  }

  // The group, then every adopted descendant (and its own group, if it leads one). With
  // only_new, descendants already signaled are skipped: some programs treat a second SIGINT or
  // SIGTERM as "hurry up" (PostgreSQL, many CLIs).
  void signal_all(int sig, bool only_new) {
    if (!only_new || !group_signaled_) {
      if (!leader_reaped_) ::kill(-leader_, sig);
      group_signaled_ = true;
    }
    for_each_child([&](pid_t child) {
      if (child == leader_) return;
      if (only_new && signaled_before(child)) return;
      if (::getpgid(child) == child) ::kill(-child, sig);
      ::kill(child, sig);
      if (only_new && signaled_count_ < kMaxTracked) signaled_[signaled_count_++] = child;
    });
  }

  // Waits for SIGCHLD up to `timeout_ms`. Also watches the control pipe: a runner that dies
  // while a stop sequence runs (killed during stop(), or a second Ctrl-C while the termination
  // handler stops everything) must not leave the tree alive for the rest of a long grace.
  void wait_child(long long timeout_ms) {
    if (timeout_ms < 0) timeout_ms = 0;
    timespec ts{static_cast<time_t>(timeout_ms / 1000),
                static_cast<long>(timeout_ms % 1000) * 1'000'000};
    pollfd pfd{control_fd_, POLLIN, 0};
    // Once EOF was seen the pipe stays readable: stop polling it, or this would spin.
    if (::ppoll(&pfd, runner_gone_ ? 0 : 1, &ts, &wait_mask_) > 0 && pfd.revents != 0) {
      ControlMessage ignored{};  // a stop sequence is already running: requests change nothing
      const ssize_t n = ::read(control_fd_, &ignored, sizeof ignored);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) runner_gone_ = true;
    }
  }

  bool finished() { return observe() == 0 && leader_exited_; }

  // The one stop sequence: signal everything → wait up to the grace → kill_signal (→ SIGKILL if
  // that is not enough either) → reap all, the leader last → report → exit.
  [[noreturn]] void stop(int sig, int kill_sig, long long grace_ms) {
    bool escalated = false;
    if (sig != SIGKILL) {
      signal_all(sig, /*only_new=*/true);
      long long deadline = deadline_in(grace_ms);
      while (!finished()) {
        const long long left = deadline - now_ms();
        if (left <= 0) {
          escalated = true;
          break;
        }
        signal_all(sig, /*only_new=*/true);  // descendants adopted meanwhile
        wait_child(left);
        if (runner_gone_ && deadline > deadline_in(orphan_grace_ms_)) {
          deadline = deadline_in(orphan_grace_ms_);  // orphaned mid-stop: the orphan grace caps it
        }
      }
    }
    // SIGKILL until nothing is left: killed daemons' children are adopted next round.
    const long long kill_deadline = deadline_in(kill_sig == SIGKILL ? 0 : grace_ms);
    while (!finished()) {
      signal_all(escalated && !runner_gone_ && now_ms() < kill_deadline ? kill_sig : SIGKILL,
                 /*only_new=*/false);
      wait_child(10);
    }
    int status = 0;
    while (::waitpid(leader_, &status, 0) < 0 && errno == EINTR) {
    }
    leader_reaped_ = true;
    // The guardian never finishes while it has a child: whatever the kernel still counts (it
    // cannot, after the loop above — this is the guarantee, not the plan) is killed and reaped
    // until waitpid() says there is none (ECHILD).
    for (;;) {
      const pid_t r = ::waitpid(-1, nullptr, WNOHANG);
      if (r > 0 || (r < 0 && errno == EINTR)) continue;
      if (r < 0) break;
      signal_all(SIGKILL, /*only_new=*/false);
      wait_child(10);
    }
    const GuardianMessage done{GuardianMessage::kDone, returncode_, escalated ? 1 : 0, 0};
    write_all(status_fd_, &done, sizeof done);
    ::_exit(0);
  }

  static constexpr int kMaxTracked = 1024;
  pid_t leader_;
  int control_fd_;
  int status_fd_;
  sigset_t wait_mask_{};
  bool leader_exited_ = false;
  bool leader_reaped_ = false;
  bool group_signaled_ = false;
  int returncode_ = 0;
  bool runner_gone_ = false;       // the control pipe reached EOF
  long long orphan_grace_ms_ = 0;  // SpawnRequest::orphan_grace
  pid_t signaled_[kMaxTracked] = {};
  int signaled_count_ = 0;
};

// Closes every descriptor but the ones listed (sorted, ascending).
void close_all_but(const int* keep, int count) {
  unsigned next = 0;
  for (int i = 0; i < count; ++i) {
    if (keep[i] < 0) continue;
    const auto fd = static_cast<unsigned>(keep[i]);
    if (fd > next) ::syscall(SYS_close_range, next, fd - 1, 0U);
    next = fd + 1;
  }
  if (::syscall(SYS_close_range, next, ~0U, 0U) < 0) {
    for (unsigned fd = next; fd < 65536; ++fd) ::close(static_cast<int>(fd));
  }
}

}  // namespace

void guardian_main(const SpawnRequest& request, const char* const* argv, const char* const* envp,
                   const char* const* candidates, int control_fd, int status_fd, int exec_error_fd,
                   int out_fd, int err_fd, int listen_fd) {
  // Out of the runner's session: Ctrl-C in the terminal goes to the runner, which stops
  // services gracefully; the guardian must survive to do its part.
  ::setsid();

  // Other executors' pipes, other guardians' control pipes: holding any of them would delay
  // someone else's EOF (and could make two guardians keep each other alive after a crash).
  int keep[] = {0, 1, 2, control_fd, status_fd, exec_error_fd, out_fd, err_fd, listen_fd};
  for (int i = 1; i < 9; ++i) {  // insertion sort: no library calls here
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; --j) {
      const int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  }
  close_all_but(keep, 9);

  // Signals were blocked by the runner around fork(). The guardian ignores the usual
  // termination signals (a stray `pkill runner-name` must not orphan the tree; the runner's
  // death is what ends it), takes SIGCHLD through ppoll, and keeps the mask until it waits.
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &action, nullptr);
  action.sa_handler = SIG_IGN;
  for (int sig : kGuardianSignals) {
    if (sig != SIGCHLD) ::sigaction(sig, &action, nullptr);
  }
  action.sa_handler = sigchld_noop;
  ::sigaction(SIGCHLD, &action, nullptr);

  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    child_fail(exec_error_fd, SpawnStage::kSubreaper, errno);

  // vfork: the guardian has nothing to do until the service has exec'd, and not copying the
  // runner's page tables a second time is most of the cost of a start (test/bench). The child
  // only touches its own stack and descriptors, and never returns from service_main().
  const pid_t leader = ::vfork();  // NOLINT(clang-analyzer-security.insecureAPI.vfork)
  if (leader < 0) child_fail(exec_error_fd, SpawnStage::kFork, errno);
  if (leader == 0) {
    ::close(control_fd);
    ::close(status_fd);
    service_main(request, argv, envp, candidates, exec_error_fd, out_fd, err_fd, listen_fd);
  }

  ::close(exec_error_fd);
  if (listen_fd >= 0) ::close(listen_fd);
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  // The runner's stdout may be a pipe someone reads to EOF (ctest): don't hold it.
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    ::close(null_fd);
  }

  const GuardianMessage started{GuardianMessage::kPid, leader, 0, 0};
  write_all(status_fd, &started, sizeof started);

  Guardian guardian(leader, control_fd, status_fd);
  guardian.run(request);
}

}  // namespace mirakuru::detail
