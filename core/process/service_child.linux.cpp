// The service child: forked (vfork) by the guardian, it becomes the service by exec.
//
// Everything here runs between fork and exec in a copy of a multi-threaded runner: only
// async-signal-safe calls — it cannot allocate, cannot take a lock, cannot log, cannot throw.
// Every failing step sends {stage, errno} (errno saved first) on the close-on-exec error pipe,
// so the runner's start() reports it at once.
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "process/guardian_protocol.hpp"
#include "process/listen_events.hpp"

namespace mirakuru::detail {

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the runner is gone: nobody to tell
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void child_fail(int fd, SpawnStage stage, int error) {
  const int record[2] = {static_cast<int>(stage), error};  // error saved before any other call
  write_all(fd, record, sizeof record);
  ::_exit(127);
}

namespace {

void redirect(int target, StdioMode mode, int pipe_fd, int error_fd, SpawnStage stage) {
  if (mode == StdioMode::Inherit) return;
  int fd = pipe_fd;
  if (mode == StdioMode::Null) {
    fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail(error_fd, stage, errno);
  }
  // dup2 clears FD_CLOEXEC on the target, which is what we want for 0/1/2.
  if (::dup2(fd, target) < 0) child_fail(error_fd, stage, errno);
}

}  // namespace

void service_main(const SpawnRequest& request, const char* const* argv, const char* const* envp,
                  const char* const* candidates, int exec_error_fd, int out_fd, int err_fd,
                  int listen_fd) {
  // A session of its own: the runner's terminal signals don't reach it, and stop() can signal
  // the whole group at once.
  if (::setsid() < 0) child_fail(exec_error_fd, SpawnStage::kSetsid, errno);

  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in < 0 || ::dup2(null_in, 0) < 0) child_fail(exec_error_fd, SpawnStage::kStdin, errno);
  redirect(1, request.out, out_fd, exec_error_fd, SpawnStage::kStdout);
  redirect(2, request.err, err_fd, exec_error_fd, SpawnStage::kStderr);

  if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) < 0) {
    child_fail(exec_error_fd, SpawnStage::kChdir, errno);
  }
  // Before the user switch: a root runner installs the filter without no_new_privs.
  if (listen_fd >= 0) install_listen_filter(listen_fd);
  if (request.switch_user) {
    if (::setgroups(request.groups.size(), request.groups.data()) < 0) {
      child_fail(exec_error_fd, SpawnStage::kSetgroups, errno);
    }
    if (::setgid(request.gid) < 0) child_fail(exec_error_fd, SpawnStage::kSetgid, errno);
    if (::setuid(request.uid) < 0) child_fail(exec_error_fd, SpawnStage::kSetuid, errno);
  }

  // Nothing but 0/1/2 may reach the program. Marking the rest close-on-exec (instead of
  // closing) keeps the error pipe usable until execve succeeds.
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = 3; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }

  // Ignored signals and the blocked mask survive exec: the program must start with defaults.
  // The guardian already reset every disposition but the few it sets itself (kGuardianSignals).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : kGuardianSignals) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): one thread here

  // execvp semantics with the child's PATH: ENOENT/ENOTDIR try the next directory, EACCES is
  // remembered and reported if nothing else works.
  int error = ENOENT;
  bool saw_eacces = false;
  for (const char* const* candidate = candidates; *candidate != nullptr; ++candidate) {
    ::execve(*candidate, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    error = errno;
    if (error == EACCES) {
      saw_eacces = true;
    } else if (error != ENOENT && error != ENOTDIR) {
      break;
    }
  }
  if (saw_eacces && (error == ENOENT || error == ENOTDIR)) error = EACCES;
  child_fail(exec_error_fd, SpawnStage::kExec, error);
}

}  // namespace mirakuru::detail
