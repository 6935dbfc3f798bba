// Helpers shared by mirakuru's tests: fixture paths, private temp dirs, free ports, and checks
// that a process is really gone.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "mirakuru/simple_executor.hpp"

namespace mirakuru::test {

// A SimpleExecutor whose event wait is reachable from tests: wait for output without sleeping.
class Observed : public SimpleExecutor {
 public:
  using SimpleExecutor::SimpleExecutor;

  // Waits (event-driven, bounded) until `pred(*this)` holds; true when it did.
  template <typename Pred>
  bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::uint64_t seen = 0;
    while (!pred(*this)) {
      if (std::chrono::steady_clock::now() >= until) return false;
      wait_for_event(until, seen);
    }
    return true;
  }
  // Waits until stdout contains `text`.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return wait_for(
        [&](const SimpleExecutor& e) { return e.output().find(text) != std::string::npos; }, limit);
  }
};

// Absolute path of the fixture program mk_NAME.
inline std::string fixture(const std::string& name) {
  return std::string(MIRAKURU_FIXTURE_DIR) + "/mk_" + name;
}

// A fresh directory, removed by the destructor. Under $TEST_TMPDIR when set.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mk-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::system_error(errno, std::generic_category());
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A loopback port the kernel considered free a moment ago (tests that need a port before
// a service binds it; races are tolerated by the tests that use it).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// True while `pid` exists and is not a zombie.
inline bool alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return false;
  char state = line[close_paren + 2];
  return state != 'Z' && state != 'X';
}

// Waits (bounded) until `pid` is gone; true when it is.
inline bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Reads a pid written by a fixture into `file` (waiting up to `limit` for it to appear).
inline pid_t read_pid_file(const std::filesystem::path& file,
                           std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::ifstream in(file);
    long pid = 0;
    if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
    if (std::chrono::steady_clock::now() > until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace mirakuru::test
