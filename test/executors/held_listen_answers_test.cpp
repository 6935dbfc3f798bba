// Held listen answers (listen_events.hpp): start()'s thread makes a service's listen() on its
// behalf and holds the answer back, so it returns before the service it would wake runs; the
// pump sends the answer. Driven here without a pump, step by step: the socket listens while its
// caller still waits, the descriptor says an answer is held (POLLOUT, how the pump finds it), a
// signal meanwhile waits for the answer instead of turning listen() into EINTR, and the answer,
// once sent, lets the service go on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>

#include "mirakuru/ports.hpp"
#include "process/launch.hpp"
#include "process/listen_events.hpp"
#include "process/process.hpp"
#include "process/spawn.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;

// A spawned service with everything the runner holds for it, stopped and released however the
// test ends.
struct SpawnedService {
  detail::Spawned spawned;
  ~SpawnedService() {
    if (spawned.guardian.active()) {
      spawned.guardian.kill_directly();
      spawned.guardian.reap();
    }
    for (int fd : {spawned.status_fd, spawned.out_fd, spawned.err_fd, spawned.listen.fd}) {
      if (fd >= 0) ::close(fd);
    }
  }
};

// What `fd` (non-blocking) delivers until it holds `text`, or `limit` passed.
std::string read_until(int fd, const std::string& text, std::chrono::milliseconds limit) {
  std::string got;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (got.find(text) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[512];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// The number of the system call `pid` is blocked in ("" when /proc does not say).
std::string blocked_in(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/syscall");
  std::string number;
  in >> number;
  return number;
}

TEST(HeldListenAnswers, TheSocketListensWhileItsCallerWaitsAndASignalWaitsWithIt) {
  ReservedPort port = reserve_port();
  // mk_gt_server treats any failure of listen() as fatal (exit 3, "cannot listen ... errno 4"
  // for EINTR) and stops cleanly on SIGTERM, from a handler without SA_RESTART.
  detail::SpawnRequest request = detail::make_spawn_request(
      Command(mt::fixture("gt_server") + " --name held --port " + std::to_string(port.port())),
      Options{});
  request.listen_events = true;
  SpawnedService service;
  detail::SpawnFailure failure;
  ASSERT_TRUE(detail::spawn(request, service.spawned, failure));
  const detail::ListenReport& listen = service.spawned.listen;
  if (listen.fd < 0)
    GTEST_SKIP() << "no listen events here: " << detail::listen_error_text(listen.error);
  if (!listen.killable_recv) GTEST_SKIP() << "a kernel before 5.19: answers are never held";
  const pid_t pid = service.spawned.guardian.leader();

  pollfd notification{listen.fd, POLLIN, 0};
  ASSERT_EQ(::poll(&notification, 1, 10'000), 1) << "the service never called listen()";
  auto process = std::make_shared<detail::Process>(std::size_t{1} << 16, -1, nullptr);
  ASSERT_FALSE(process->answer_listens(listen.fd, /*hold=*/true));
  EXPECT_EQ(process->listens(), 1u);
  ASSERT_EQ(process->listening(0).size(), 1u);
  EXPECT_EQ(process->listening(0)[0].port, port.port());

  // Made on its behalf: the port accepts while the service itself still waits in listen().
  EXPECT_TRUE(accepts_connections(port.port()));
  const std::string number = blocked_in(pid);
  if (!number.empty()) {
    EXPECT_EQ(number, std::to_string(__NR_listen));
  }
  pollfd held{listen.fd, POLLIN | POLLOUT, 0};
  ASSERT_EQ(::poll(&held, 1, 0), 1);
  EXPECT_EQ(held.revents, POLLOUT) << "an answer is held, and no call is waiting to be received";

  // A signal now must not end the call: it waits for the answer. (An interrupted listen()
  // would make the server say so on stderr and exit at once.)
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(read_until(service.spawned.err_fd, "cannot listen", 300ms), "");

  // The answer goes out with the next answer_listens() (the pump's, normally): listen()
  // returns 0, the server says it listens, then takes the SIGTERM that waited and stops.
  process->answer_listens(listen.fd);  // (true once the server is gone: it may be by now)
  held = {listen.fd, POLLOUT, 0};
  ASSERT_GE(::poll(&held, 1, 0), 0);
  EXPECT_EQ(held.revents & POLLOUT, 0) << "the answer is still held";
  const std::string out = read_until(service.spawned.out_fd, "SIGTERM, stopping", 10s);
  EXPECT_NE(out.find("gt_server held listening on " + std::to_string(port.port())),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("SIGTERM, stopping"), std::string::npos) << out;
}

}  // namespace
}  // namespace mirakuru
