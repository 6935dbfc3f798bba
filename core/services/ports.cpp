#include "services/ports.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "process/log.hpp"

namespace mirakuru {
namespace detail {

namespace {

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

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

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only
  return value ? std::string(value) : std::string();
}

[[noreturn]] void lock_dir_error(const std::string& dir, const std::string& what,
                                 const std::string& todo) {
  throw std::runtime_error("cannot use the port lock directory " + dir + ": " + what + " (" + todo +
                           ")");
}

// Private to this user: another user's files there could deny ports (a lock file we cannot
// open) or steal them (a held lock file unlinked).
void check_lock_dir(const std::string& dir, const std::string& todo) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    lock_dir_error(dir, std::string(std::strerror(errno)), todo);
  }
  if (!S_ISDIR(st.st_mode)) lock_dir_error(dir, "it is not a directory", todo);
  if (st.st_uid != ::geteuid()) {
    lock_dir_error(dir, "it belongs to uid " + std::to_string(st.st_uid) + ", not to this user",
                   todo);
  }
  if ((st.st_mode & 077) != 0) {
    lock_dir_error(dir, "the group or others may use it (mode " + octal(st.st_mode & 07777) + ")",
                   "chmod 700 it, or " + todo);
  }
}

// -1 when another runner holds the port.
int lock_port(const std::filesystem::path& dir, int port) {
  const std::string file = (dir / ("mirakuru-port-" + std::to_string(port) + ".lock")).string();
  // O_NOFOLLOW: a planted symlink is refused; 0600 and never chmod'ed: only we use the files.
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot open the port lock file " + file + ": " +
                             std::strerror(errno));
  }
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

std::filesystem::path port_lock_dir() {
  if (std::string dir = env_or_empty("MIRAKURU_PORT_LOCK_DIR"); !dir.empty()) {
    check_lock_dir(dir, "create it mode 0700, or unset MIRAKURU_PORT_LOCK_DIR");
    return dir;
  }
  std::string runtime = env_or_empty("XDG_RUNTIME_DIR");
  const std::string dir = runtime.empty() ? "/tmp/mirakuru-ports-" + std::to_string(::geteuid())
                                          : runtime + "/mirakuru-ports";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    lock_dir_error(dir, std::strerror(errno), "set MIRAKURU_PORT_LOCK_DIR to a directory of yours");
  }
  check_lock_dir(dir, "remove it, or set MIRAKURU_PORT_LOCK_DIR to a private directory of yours");
  return dir;
}

}  // namespace detail

ReservedPort::~ReservedPort() {
  if (fd_ >= 0) ::close(fd_);
}

ReservedPort::ReservedPort(ReservedPort&& other) noexcept
    : port_(std::exchange(other.port_, 0)), fd_(std::exchange(other.fd_, -1)) {}

ReservedPort& ReservedPort::operator=(ReservedPort&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    port_ = std::exchange(other.port_, 0);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ReservedPort reserve_port() {
  const detail::PortRange range = detail::auto_port_range();
  const std::filesystem::path dir = detail::port_lock_dir();
  const int size = range.last - range.first + 1;
  // A random starting point keeps concurrent runners from all probing the same ports first.
  static thread_local std::mt19937 random{std::random_device{}()};
  const int start = std::uniform_int_distribution<int>(0, size - 1)(random);
  for (int k = 0; k < size; ++k) {
    const int port = range.first + (start + k) % size;
    const int fd = detail::lock_port(dir, port);
    if (fd < 0) continue;
    if (detail::port_bindable(port)) {
      detail::logger()->debug("reserved port {}", port);
      return ReservedPort(port, fd);
    }
    ::close(fd);
  }
  throw std::runtime_error("no free port left in " + std::to_string(range.first) + "-" +
                           std::to_string(range.last) +
                           ": every one is reserved by a runner (lock files in " + dir.string() +
                           ") or in use (set MIRAKURU_PORT_RANGE=FIRST-LAST to use other ports)");
}

}  // namespace mirakuru
