// Runner side of spawning: prepare everything, fork the guardian, learn whether exec worked.
#include "process/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "process/guardian_protocol.hpp"

namespace mirakuru::detail {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool make_pipe(Pipe& p) {
  int fds[2];
  // Atomic O_CLOEXEC: another thread's fork+exec must never inherit these.
  if (::pipe2(fds, O_CLOEXEC) < 0) return false;
  p.read = fds[0];
  p.write = fds[1];
  return true;
}

// A datagram socket pair (the child passes a descriptor over it), close-on-exec like the pipes.
bool make_socket_pair(Pipe& p) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return false;
  p.read = fds[0];
  p.write = fds[1];
  return true;
}

// Reads exactly `size` bytes unless EOF comes first; returns the count read.
size_t read_full(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

std::vector<const char*> pointers(const std::vector<std::string>& strings) {
  std::vector<const char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> path_candidates(const std::string& program, const std::string& path) {
  if (program.find('/') != std::string::npos) return {program};
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = path.find(':', begin);
    std::string_view dir(path);
    dir = dir.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (dir.empty()) dir = ".";  // POSIX: an empty PATH entry is the current directory
    // Built in a fresh string, not by assigning "." to a substr(): GCC 12 at -O2 reports a false
    // -Wrestrict (overlapping memcpy) there, which breaks -Werror release builds.
    std::string candidate;
    candidate.reserve(dir.size() + 1 + program.size());
    candidate.append(dir).append(1, '/').append(program);
    out.push_back(std::move(candidate));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

bool spawn(const SpawnRequest& request, Spawned& out, SpawnFailure& failure) {
  // Everything the children need is built here: after fork they may not allocate.
  const std::vector<std::string> candidates =
      request.argv.empty() ? std::vector<std::string>{}
                           : path_candidates(request.argv.front(), request.path);
  const std::vector<const char*> argv = pointers(request.argv);
  const std::vector<const char*> envp = pointers(request.env);
  const std::vector<const char*> candidate_ptrs = pointers(candidates);

  Pipe control, status, exec_error, out_pipe, err_pipe, listen_report;
  auto close_all = [&] {
    for (Pipe* p : {&control, &status, &exec_error, &out_pipe, &err_pipe, &listen_report}) {
      close_fd(p->read);
      close_fd(p->write);
    }
  };
  if (!make_pipe(control) || !make_pipe(status) || !make_pipe(exec_error) ||
      (request.out == StdioMode::Pipe && !make_pipe(out_pipe)) ||
      (request.err == StdioMode::Pipe && !make_pipe(err_pipe)) ||
      (request.listen_events && !make_socket_pair(listen_report))) {
    failure = {errno, SpawnStage::kPipe};
    close_all();
    return false;
  }

  // No signal handler of the runner may run in the child before the guardian has reset them.
  sigset_t all, previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t guardian = ::fork();
  if (guardian == 0) {
    guardian_main(request, argv.data(), envp.data(), candidate_ptrs.data(), control.read,
                  status.write, exec_error.write, out_pipe.write, err_pipe.write,
                  listen_report.write);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (guardian < 0) {
    failure = {fork_errno, SpawnStage::kFork};
    close_all();
    return false;
  }
  close_fd(control.read);
  close_fd(status.write);
  close_fd(exec_error.write);
  close_fd(out_pipe.write);
  close_fd(err_pipe.write);
  close_fd(listen_report.write);

  // EOF on the error pipe means execve succeeded (the pipe is close-on-exec) or the child died
  // trying; a record means a step failed.
  int record[2] = {0, 0};
  const size_t got = read_full(exec_error.read, record, sizeof record);
  close_fd(exec_error.read);
  GuardianMessage started{};
  const bool have_pid = read_full(status.read, &started, sizeof started) == sizeof started &&
                        started.type == GuardianMessage::kPid;
  if (got == sizeof record || !have_pid) {
    failure = got == sizeof record ? SpawnFailure{record[1], static_cast<SpawnStage>(record[0])}
                                   : SpawnFailure{ECHILD, SpawnStage::kFork};
    close_fd(control.write);  // the guardian sees EOF, cleans up (nothing) and exits
    close_all();
    while (::waitpid(guardian, nullptr, 0) < 0 && errno == EINTR) {
    }
    return false;
  }

  ::fcntl(status.read, F_SETFL, ::fcntl(status.read, F_GETFL) | O_NONBLOCK);
  for (int fd : {out_pipe.read, err_pipe.read}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  // The child reported on its listen filter before exec.
  if (listen_report.read >= 0) out.listen = receive_listen_report(listen_report.read);
  close_fd(listen_report.read);
  out.guardian = GuardianHandle(guardian, started.value, control.write);
  out.status_fd = status.read;
  out.out_fd = out_pipe.read;
  out.err_fd = err_pipe.read;
  return true;
}

}  // namespace mirakuru::detail
