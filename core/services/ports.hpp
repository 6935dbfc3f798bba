// "port": "auto" — a loopback port reserved until the service set is destroyed.
//
// bind(0)+close is not enough: between allocation and the service's own bind(), another runner
// (or an outgoing connection's ephemeral port) could take the port. So ports come from a range
// outside /proc/sys/net/ipv4/ip_local_port_range (the kernel never hands those out as ephemeral
// ports), and each one is guarded by a lock file (flock, shared by every runner on the machine)
// held for the lifetime of the reservation. A port is only taken when it is also bindable now.
#pragma once

#include <string>

namespace mirakuru::detail {

struct PortRange {
  int first = 0;
  int last = 0;
};

// The range auto ports come from: $MIRAKURU_PORT_RANGE ("20000-29999") when set, else the
// gap above the kernel's ephemeral range (2000+ ports), else the one below (1000+), else
// 1024-65535 (then only the lock files protect the ports).
PortRange auto_port_range();

// True when nothing listens on / is bound to `port` (IPv4 and IPv6 wildcard binds succeed).
bool port_bindable(int port);

class PortReservation {
 public:
  PortReservation() = default;
  ~PortReservation();
  PortReservation(PortReservation&& other) noexcept;
  PortReservation& operator=(PortReservation&& other) noexcept;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  // Reserves a free port. Throws std::runtime_error when the whole range is taken.
  static PortReservation acquire();

  int port() const { return port_; }

 private:
  PortReservation(int port, int fd) : port_(port), fd_(fd) {}
  int port_ = 0;
  int fd_ = -1;  // the flock'ed lock file
};

}  // namespace mirakuru::detail
