#include "process/listen_events.hpp"

#include <arpa/inet.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

// The filter needs the architecture the runner (and so, normally, the service) is built for;
// a service of another ABI (a 32-bit program) is let through and polled.
#if defined(__x86_64__)
#define MIRAKURU_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MIRAKURU_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define MIRAKURU_AUDIT_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define MIRAKURU_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define MIRAKURU_AUDIT_ARCH AUDIT_ARCH_S390X
#endif

#if defined(MIRAKURU_AUDIT_ARCH) && defined(SECCOMP_FILTER_FLAG_NEW_LISTENER) && \
    defined(SECCOMP_USER_NOTIF_FLAG_CONTINUE) && defined(__NR_listen)
#define MIRAKURU_LISTEN_EVENTS 1
#endif

namespace mirakuru::detail {
namespace {

struct Record {
  int error;
  int no_new_privs;
  int killable_recv;
};

#ifdef MIRAKURU_LISTEN_EVENTS
// listen() of the native ABI → a notification; everything else → allowed.
constexpr sock_filter kFilter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MIRAKURU_AUDIT_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_listen, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

// Linux 5.19: once the runner received a notification, the caller's wait for the answer can be
// ended by a fatal signal only; other signals wait for the answer. Without it, a signal in that
// window would end the caller's listen() with EINTR (or restart it) — an error listen() never
// gives otherwise, which servers rightly treat as fatal. (A kernel ABI constant.)
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

// Installs the filter, with killable waits where the kernel has them (`killable_recv`).
int install(sock_fprog& program, int& killable_recv) {
  killable_recv = 1;
  int fd = static_cast<int>(::syscall(
      SYS_seccomp, SECCOMP_SET_MODE_FILTER,
      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &program));
  if (fd < 0 && errno == EINVAL) {  // before 5.19
    killable_recv = 0;
    fd = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                    SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
  }
  return fd;
}

// The kernel's struct seccomp_notif may be larger than the one we were compiled with: receive
// into a buffer of the size it asks for.
std::size_t notif_size() {
  static std::once_flag once;
  static std::size_t size = sizeof(seccomp_notif);
  std::call_once(once, [] {
    seccomp_notif_sizes sizes{};
    if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 &&
        sizes.seccomp_notif > size) {
      size = sizes.seccomp_notif;
    }
  });
  return size;
}
bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The runner's network namespace, looked up once: the lookup through /proc costs tens of
// microseconds on the path between a listen() and start() returning (measured: 25-66 us in a
// VM). A runner that moves itself into another namespace later (setns) is not supported here:
// its sockets would be told by the namespace it started in.
const struct stat* our_netns() {
  static struct stat ours {};
  static const bool found = ::stat("/proc/self/ns/net", &ours) == 0;
  return found ? &ours : nullptr;
}

// True when `socket` (taken from `pid`) lives in the runner's network namespace, where the
// probes connect from: a service in a namespace of its own (unshare -n, a container) may listen
// on the same address and port without serving the runner. The socket's own namespace
// (SIOCGSKNS) needs CAP_NET_ADMIN; without it, the caller's namespace stands in for it.
bool in_our_netns(int socket, pid_t pid) {
  const struct stat* found = our_netns();
  if (found == nullptr) return false;
  const struct stat& ours = *found;
  struct stat theirs {};
  const int ns = ::ioctl(socket, SIOCGSKNS);
  if (ns >= 0) {
    const bool same = ::fstat(ns, &theirs) == 0 && same_file(ours, theirs);
    ::close(ns);
    return same;
  }
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  return ::stat(path.c_str(), &theirs) == 0 && same_file(ours, theirs);
}

// What a listening socket serves: its address after the call (a listen() on an unbound socket
// binds it to a port of the kernel's choice).
bool describe_listening(int socket, Listened& out) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    if (::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text) == nullptr) return false;
    out.port = ntohs(in.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text) == nullptr) return false;
    out.port = ntohs(in6.sin6_port);
    int v6only = 0;
    socklen_t size = sizeof v6only;
    if (::getsockopt(socket, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size) != 0) return false;
    out.v6only = v6only != 0;
  } else {
    return false;
  }
  out.address = text;
  return true;
}

// Makes the listen() on the caller's behalf: the socket listens before the caller even resumes,
// so the check the runner makes next succeeds at once (with "continue" it races the caller's
// wake-up). Only for TCP/IP sockets — a unix socket's listen() records the listener's
// credentials, which must stay the service's — and only where the runner may reach into the
// caller (pidfd_getfd: Linux 5.6, ptrace rights; not into a service that changed user or made
// itself non-dumpable). Returns false to let the caller make the call itself; true once the
// call was made and answered (`sent`: the answer reached the caller). The answer goes out right
// after the call, before the socket is described: the longer a caller waits in the kernel
// between receive and send, the dearer its wake-up (measured: the send costs ~50 us after 5 us,
// ~200 us after 80 us).
bool listen_for(int listener, const seccomp_notif& request, bool& sent,
                std::vector<Listened>& listening, std::size_t room, std::vector<HeldAnswer>* hold) {
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, request.pid, 0));
  if (pidfd < 0) return false;
  bool done = false;
  // The notification still pending after pidfd_open: the pid is still the caller's.
  std::uint64_t id = request.id;
  if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) {
    const int socket = static_cast<int>(
        ::syscall(SYS_pidfd_getfd, pidfd, static_cast<int>(request.data.args[0]), 0));
    if (socket >= 0) {
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      int type = 0;
      socklen_t type_length = sizeof type;
      if (::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
          (address.ss_family == AF_INET || address.ss_family == AF_INET6) &&
          ::getsockopt(socket, SOL_SOCKET, SO_TYPE, &type, &type_length) == 0 &&
          type == SOCK_STREAM) {
        const int result = ::listen(socket, static_cast<int>(request.data.args[1]));
        seccomp_notif_resp response{};
        response.id = request.id;
        response.val = result;
        response.error = result < 0 ? -errno : 0;
        if (hold != nullptr) {
          hold->push_back({response.id, response.val, response.error});
          sent = true;
        } else {
          // ENOENT: the caller is gone, nothing to answer.
          sent = ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
        }
        done = true;
        Listened socket_listening;
        if (sent && result == 0 && listening.size() < room &&
            in_our_netns(socket, static_cast<pid_t>(request.pid)) &&
            describe_listening(socket, socket_listening)) {
          listening.push_back(std::move(socket_listening));
        }
      }
      ::close(socket);
    }
  }
  ::close(pidfd);
  return done;
#else
  (void)listener;
  (void)request;
  (void)sent;
  (void)listening;
  (void)room;
  (void)hold;
  return false;
#endif
}
#endif

}  // namespace

void install_listen_filter(int report_fd) {
  Record record{ENOSYS, 0, 0};
  int listener = -1;
#ifdef MIRAKURU_LISTEN_EVENTS
  sock_fprog program{static_cast<unsigned short>(sizeof kFilter / sizeof kFilter[0]),
                     const_cast<sock_filter*>(kFilter)};
  listener = install(program, record.killable_recv);
  record.error = listener < 0 ? errno : 0;
  // Without CAP_SYS_ADMIN the kernel wants no_new_privs first (see the header).
  if (listener < 0 && record.error == EACCES) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      record.no_new_privs = 1;
      listener = install(program, record.killable_recv);
      record.error = listener < 0 ? errno : 0;
    } else {
      record.error = errno;
    }
  }
#endif
  iovec data{&record, sizeof record};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  if (listener >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &listener, sizeof listener);
  }
  while (::sendmsg(report_fd, &message, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  if (listener >= 0) ::close(listener);
}

ListenReport receive_listen_report(int socket_fd) {
  ListenReport report;
  Record record{ENOSYS, 0, 0};
  iovec data{&record, sizeof record};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(socket_fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof record)) {
    report.error = got < 0 ? errno : EPROTO;
    return report;
  }
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
      std::memcpy(&report.fd, CMSG_DATA(header), sizeof report.fd);
    }
  }
  report.error = record.error;
#ifdef MIRAKURU_LISTEN_EVENTS
  if (report.fd >= 0) our_netns();  // looked up here, off the path of the first listen()
#endif
  report.no_new_privs = record.no_new_privs != 0;
  report.killable_recv = record.killable_recv != 0;
  if (report.fd < 0 && report.error == 0) report.error = EPROTO;
  return report;
}

void send_held_answers(int listener, std::vector<HeldAnswer>& held) {
#ifdef MIRAKURU_LISTEN_EVENTS
  for (const HeldAnswer& answer : held) {
    seccomp_notif_resp response{};
    response.id = answer.id;
    response.val = answer.value;
    response.error = answer.error;
    // ENOENT: the caller is gone (killed, or a signal restarted its call as a new notification).
    ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
  }
#else
  (void)listener;
#endif
  held.clear();
}

ListenAnswers answer_listens(int listener, std::size_t room, std::vector<HeldAnswer>* hold) {
  ListenAnswers answers;
#ifdef MIRAKURU_LISTEN_EVENTS
  alignas(seccomp_notif) unsigned char buffer[512];
  const std::size_t size = notif_size();
  if (size > sizeof buffer) {  // a kernel from the far future: poll instead
    answers.finished = true;
    return answers;
  }
  for (;;) {
    // Only a pending notification is received: a RECV with none pending would block the pump.
    pollfd ready{listener, POLLIN, 0};
    const int polled = ::poll(&ready, 1, 0);
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0 || (ready.revents & POLLNVAL) != 0) {
      answers.finished = true;
      return answers;
    }
    if ((ready.revents & POLLIN) == 0) {
      // POLLHUP: every process that could call listen() through this filter is gone.
      answers.finished = (ready.revents & (POLLHUP | POLLERR)) != 0;
      return answers;
    }
    std::memset(buffer, 0, size);  // the kernel refuses a request buffer that is not zeroed
    auto* request = reinterpret_cast<seccomp_notif*>(buffer);
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, request) < 0) {
      // ENOENT: the caller died (or its listen() was interrupted) before we took it.
      if (errno == EINTR || errno == ENOENT) continue;
      answers.finished = true;
      return answers;
    }
    bool sent = false;
    if (!listen_for(listener, *request, sent, answers.listening, room, hold)) {
      seccomp_notif_resp response{};
      response.id = request->id;
      response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      // ENOENT here too: the caller is gone, nothing to answer.
      sent = ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
    }
    if (sent) ++answers.answered;
  }
#else
  (void)listener;
  (void)room;
  (void)hold;
  answers.finished = true;
  return answers;
#endif
}

const char* listen_error_text(int error) {
  switch (error) {
    case 0:
      return "available";
    case ENOSYS:
      return "not supported by this kernel or architecture";
    case EINVAL:
      return "seccomp user notifications not supported by this kernel (Linux 5.5 or later)";
    case EBUSY:
      return "a seccomp notification filter is already installed above this process";
    case EACCES:
    case EPERM:
      return "refused: the runner may not install seccomp filters here";
    default:
      return "unavailable";
  }
}

}  // namespace mirakuru::detail
