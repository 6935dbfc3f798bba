// mirakuru/ports.hpp — a free loopback port for a bare executor, reserved until you let it go.
//
//   mirakuru::ReservedPort port = mirakuru::reserve_port();
//   mirakuru::TcpExecutor redis({"redis-server", "--port", std::to_string(port.port())},
//                               "127.0.0.1", port.port());
//   redis.start();
//
// The same allocator as a service set's "port": "auto": the port comes from a range the kernel
// never hands out as an ephemeral port (MIRAKURU_PORT_RANGE overrides it), it was bindable on
// IPv4 and IPv6 when reserved, and a lock file held by the reservation keeps every other runner
// of this user — other test processes, other sets — from reserving it until the ReservedPort is
// destroyed. (Binding a socket and closing it, the usual trick, leaves the port free for anyone
// to take before the service binds it.) The reservation does not bind the port: the service can.
//
// Lock files live in a directory private to the user: $MIRAKURU_PORT_LOCK_DIR when set, else
// $XDG_RUNTIME_DIR/mirakuru-ports, else /tmp/mirakuru-ports-UID. It is created mode 0700 and
// must belong to this user and be closed to others; another user's files can neither deny nor
// take a port.
//
// Threads: reserve_port() may be called from any thread; a ReservedPort is a value, used by one
// thread at a time. A forked child shares the reservation (the port stays reserved until both
// let it go); an exec'd program does not inherit it.
#pragma once

namespace mirakuru {

class ReservedPort {
 public:
  ReservedPort() = default;  // holds no port: port() is 0
  ~ReservedPort();           // releases the port (the lock file is left for reuse)
  ReservedPort(ReservedPort&& other) noexcept;
  ReservedPort& operator=(ReservedPort&& other) noexcept;  // releases what this held first
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  int port() const { return port_; }  // 0 when empty or moved from

 private:
  friend ReservedPort reserve_port();
  ReservedPort(int port, int lock_fd) : port_(port), fd_(lock_fd) {}
  int port_ = 0;
  int fd_ = -1;  // the flock'ed lock file
};

// Reserves a free loopback port. Throws std::runtime_error when every port of the range is
// reserved or in use (the message names the range and MIRAKURU_PORT_RANGE), or when the lock
// directory cannot be used (the message names it, what is wrong, and what to do).
ReservedPort reserve_port();

}  // namespace mirakuru
