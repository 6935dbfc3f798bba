// Helpers for the readiness executor tests and the readiness benchmark: reserved ports,
// listeners that occupy a resource, and a stopwatch.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "mirakuru/simple_executor.hpp"

namespace mirakuru::test {

// A loopback port held for the test: bound with SO_REUSEPORT but not listening, so the kernel
// hands it to nobody else while the fixture (which also sets SO_REUSEPORT) binds and listens on
// it. Connections only ever reach the listener.
class PortReservation {
 public:
  explicit PortReservation(int family = AF_INET) {
    fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      int e = errno;
      ::close(fd_);
      throw std::system_error(e, std::generic_category(), "bind");
    }
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ~PortReservation() { ::close(fd_); }
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  int port() const { return port_; }
  std::string str() const { return std::to_string(port_); }

  // Turns the reservation into a listener: the port is then "already served".
  void listen() {
    if (::listen(fd_, 16) != 0) throw std::system_error(errno, std::generic_category(), "listen");
  }

  // After listen(): accepts connections until none has come for `quiet`, reads what each sends
  // (until it closes, sends a blank line, or is quiet for `quiet`) and answers a request with
  // "200 OK". Returns how many connections came; `first_bytes` gets what the first one sent.
  int take_connections(std::string* first_bytes,
                       std::chrono::milliseconds quiet = std::chrono::milliseconds(300)) {
    int connections = 0;
    const int wait_ms = static_cast<int>(quiet.count());
    for (pollfd listening{fd_, POLLIN, 0}; ::poll(&listening, 1, wait_ms) == 1;) {
      const int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) break;
      std::string received;
      char buffer[1024];
      for (pollfd readable{connection, POLLIN, 0};
           received.find("\r\n\r\n") == std::string::npos && ::poll(&readable, 1, wait_ms) == 1;) {
        const ssize_t got = ::read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        received.append(buffer, static_cast<std::size_t>(got));
      }
      if (!received.empty()) {
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        [[maybe_unused]] const ssize_t sent = ::write(connection, answer.data(), answer.size());
      }
      ::close(connection);
      if (connections++ == 0 && first_bytes != nullptr) *first_bytes = received;
    }
    return connections;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// True when this host has an IPv6 loopback (containers sometimes do not).
inline bool has_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A unix stream socket listening at `path` until destroyed.
class UnixListener {
 public:
  explicit UnixListener(const std::filesystem::path& path, bool listen = true) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        (listen && ::listen(fd_, 16) != 0)) {
      throw std::system_error(errno, std::generic_category(), "unix listener " + path.string());
    }
  }
  ~UnixListener() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

 private:
  int fd_ = -1;
};

// The service's stdout once it contains `needle` (a service logs a request just before it
// answers, but the output thread may read that log line a moment after the answer arrived),
// or what it held at the limit.
inline std::string output_with(const mirakuru::SimpleExecutor& ex, const std::string& needle,
                               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto until = std::chrono::steady_clock::now() + limit;
  std::string out = ex.output();
  while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    out = ex.output();
  }
  return out;
}

// The event masks of everything this process's epoll sets watch (/proc/self/fdinfo), in hex as
// the kernel prints them.
inline std::vector<std::string> epoll_watch_masks() {
  std::vector<std::string> masks;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    if (std::filesystem::read_symlink(entry.path(), error).string() != "anon_inode:[eventpoll]") {
      continue;
    }
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    for (std::string word; info >> word;) {
      if (word == "events:" && info >> word) masks.push_back(word);
    }
  }
  return masks;
}

// True when one of them no longer asks for input (EPOLLIN): a watch set aside.
inline bool a_watch_stands_aside() {
  const auto masks = epoll_watch_masks();
  return std::any_of(masks.begin(), masks.end(), [](const std::string& mask) {
    return (std::stoul(mask, nullptr, 16) & 1) == 0;
  });
}

// Runs `start` while another thread looks, every millisecond, whether a watch stands aside.
inline bool stood_aside_during(const std::function<void()>& start) {
  std::atomic<bool> done{false};
  std::atomic<bool> seen{false};
  std::thread observer([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && !seen && std::chrono::steady_clock::now() < until) {
      if (a_watch_stands_aside()) seen = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  struct Join {  // also when start() throws
    std::atomic<bool>& done;
    std::thread& observer;
    ~Join() {
      done = true;
      observer.join();
    }
  };
  {
    Join join{done, observer};
    start();
  }
  return seen;
}

// How many descriptors this process holds now.
inline std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start_);
  }
  long long ms() const { return elapsed().count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace mirakuru::test
