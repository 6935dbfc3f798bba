#include "services/ports.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "process/log.hpp"

namespace mirakuru::detail {

namespace {

bool parse_range(const std::string& text, PortRange& out) {
  int first = 0;
  int last = 0;
  char dash = 0;
  std::istringstream in(text);
  if (!(in >> first >> dash >> last) || dash != '-') return false;
  if (first < 1 || last > 65535 || first > last) return false;
  out = {first, last};
  return true;
}

// Where the lock files live: shared by every runner (and user) on the machine, so not under
// $TEST_TMPDIR, which is private to one test.
std::string lock_dir() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read-only; the runner does not setenv() this
  if (const char* dir = std::getenv("MIRAKURU_PORT_LOCK_DIR"); dir && *dir) return dir;
  static const std::string shared = [] {
    std::string dir = "/tmp/mirakuru-ports";
    if (::mkdir(dir.c_str(), 0777) == 0) ::chmod(dir.c_str(), 01777);  // like /tmp itself
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir.c_str(), W_OK) == 0) {
      return dir;
    }
    return std::string("/tmp");  // someone else's directory: lock files next to it instead
  }();
  return shared;
}

// -1 when another runner holds the port (or its lock file is not ours to open).
int lock_port(int port) {
  const std::string file = lock_dir() + "/mirakuru-port-" + std::to_string(port) + ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) return -1;
  ::fchmod(fd, 0666);  // best effort: other users' runners must be able to lock it too
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool bindable(int family, int port) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return family == AF_INET6;  // no IPv6 on this machine: nothing can hold it there
  bool ok = false;
  if (family == AF_INET) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  } else {
    int one = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_any;
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ||
         errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT;
  }
  ::close(fd);
  return ok;
}

}  // namespace

PortRange auto_port_range() {
  PortRange range;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read-only; the runner does not setenv() this
  if (const char* env = std::getenv("MIRAKURU_PORT_RANGE"); env && *env) {
    if (parse_range(env, range)) return range;
    logger()->warn("ignoring MIRAKURU_PORT_RANGE=\"{}\": expected FIRST-LAST within 1-65535", env);
  }
  PortRange ephemeral{32768, 60999};
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 0;
  int hi = 0;
  if (in >> lo >> hi && lo >= 1 && hi <= 65535 && lo <= hi) ephemeral = {lo, hi};
  // Above the ephemeral range first: hardly any well-known service lives there. Below it, stay
  // clear of the usual fixed ports (5432, 6379, 8080...).
  const PortRange above{ephemeral.last + 1, 65535};
  const PortRange below{std::max(10000, ephemeral.first - 12000), ephemeral.first - 1};
  if (above.last - above.first + 1 >= 2000) return above;
  if (below.last - below.first + 1 >= 1000) return below;
  if (above.last - above.first + 1 >= 1000) return above;
  return {1024, 65535};
}

bool port_bindable(int port) { return bindable(AF_INET, port) && bindable(AF_INET6, port); }

PortReservation::~PortReservation() {
  if (fd_ >= 0) ::close(fd_);
}

PortReservation::PortReservation(PortReservation&& other) noexcept
    : port_(std::exchange(other.port_, 0)), fd_(std::exchange(other.fd_, -1)) {}

PortReservation& PortReservation::operator=(PortReservation&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    port_ = std::exchange(other.port_, 0);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

PortReservation PortReservation::acquire() {
  const PortRange range = auto_port_range();
  const int size = range.last - range.first + 1;
  // A random starting point keeps concurrent runners from all probing the same ports first.
  static thread_local std::mt19937 random{std::random_device{}()};
  const int start = std::uniform_int_distribution<int>(0, size - 1)(random);
  for (int k = 0; k < size; ++k) {
    const int port = range.first + (start + k) % size;
    const int fd = lock_port(port);
    if (fd < 0) continue;
    if (port_bindable(port)) {
      logger()->debug("reserved port {}", port);
      return PortReservation(port, fd);
    }
    ::close(fd);
  }
  throw std::runtime_error("no free port left in " + std::to_string(range.first) + "-" +
                           std::to_string(range.last) +
                           " (set MIRAKURU_PORT_RANGE=FIRST-LAST to use other ports)");
}

}  // namespace mirakuru::detail
