// Listen events: the kernel tells the runner each time a process of the service's tree calls
// listen(), so a probe waiting for a port (or a unix socket) checks the moment it can succeed
// instead of polling for it.
//
// How: between fork and exec the service child installs a seccomp filter that turns listen()
// into a user notification (every other system call passes untouched, and the filter is
// inherited by everything the service starts). The runner holds the notification descriptor
// (the output pump, and start()'s thread while it waits) and answers each listen(): for a
// TCP/IP socket it makes the call itself on the caller's socket (pidfd_getfd), with the caller's
// backlog, and returns its result — so the port accepts before the caller resumes; anything
// else gets "continue" and runs the call itself. Either way the call has the effect and result
// it would have had. start()'s thread holds its answers back and lets the pump send them, so
// that it returns before the service it would wake takes its CPU (answer_listens()); where the
// kernel can keep signals from ending the held call (5.19), that is.
//
// What it costs the service: an unprivileged process may install such a filter only with
// no_new_privs set, which is inherited and means that setuid/setcap programs (sudo, su) started
// by the service run without their extra privileges. A runner with CAP_SYS_ADMIN (root) needs
// no such flag and sets none. Options::listen_events = false opts out.
//
// When it is not available (a kernel before 5.5, seccomp refused by a sandbox, another
// notification filter already installed above us, an architecture we have no filter for), the
// spawn goes on without it and the probes poll as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mirakuru::detail {

// Child side, between fork and exec (async-signal-safe, no allocation): installs the filter and
// sends one record over `report_fd` (a SOCK_SEQPACKET socket to the runner), with the
// notification descriptor attached when it worked. Never fails the spawn.
void install_listen_filter(int report_fd);

// What the child reported.
struct ListenReport {
  int fd = -1;                // the notification descriptor (O_CLOEXEC), or -1
  int error = 0;              // why there is none: errno of the step that failed
  bool no_new_privs = false;  // the child had to set no_new_privs for it
  // A received notification's caller waits for the answer through every signal but a fatal one
  // (Linux 5.19): an answer may then be held back (answer_listens()) without a signal turning
  // the caller's listen() into EINTR meanwhile.
  bool killable_recv = false;
};

// Runner side, once exec succeeded: reads the child's record from `socket_fd` (non-blocking:
// the child sent it before exec).
ListenReport receive_listen_report(int socket_fd);

// A TCP socket the runner made listen for the service, in the runner's own network namespace
// (so a connect of the runner's probes reaches it): its address as getsockname() gives it
// after the call ("127.0.0.1", "::", "0.0.0.0").
struct Listened {
  std::string address;
  int port = 0;
  bool v6only = false;  // an IPv6 socket that does not also take IPv4 connections
};

// Answers every listen() waiting on `listener` (see above); the caller holds the process's
// listen mutex (Process::answer_listens()). `finished` when no process can use the filter any
// more (all exited) or the descriptor failed: close it then. `listening`: the sockets the
// runner made listen, in the order of the calls (a socket of another network namespace, or
// one whose namespace cannot be told, is answered but not listed); at most `room` of them are
// described and listed.
struct ListenAnswers {
  int answered = 0;
  bool finished = false;
  std::vector<Listened> listening;
};
// The answer to a listen() the runner made on the caller's behalf, not sent yet.
struct HeldAnswer {
  std::uint64_t id = 0;
  std::int64_t value = 0;
  std::int32_t error = 0;
};
// `hold` (not null; only where ListenReport::killable_recv): the answers to the calls the runner
// made itself are kept there instead of sent — the socket listens already, its caller stays in
// listen() a little longer (a signal meanwhile waits for the answer). They count as answered. A
// start() waiting for a port returns at once instead of being preempted by the service it woke: the
// kernel runs a woken caller on the waking CPU, where it went on with its own work for 60-180 us
// before start() got the CPU back (measured in 11 of 12 runs). While an answer is held, the
// descriptor reports EPOLLOUT: that is how the pump knows to send it.
ListenAnswers answer_listens(int listener, std::size_t room,
                             std::vector<HeldAnswer>* hold = nullptr);
// Sends the held answers and clears `held` (an answer whose caller is gone is dropped).
void send_held_answers(int listener, std::vector<HeldAnswer>& held);

// Why there are no listen events, for logs ("not supported by this kernel ..."), from
// ListenReport::error.
const char* listen_error_text(int error);

}  // namespace mirakuru::detail
