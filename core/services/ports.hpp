// "port": "auto" and mirakuru::reserve_port() (mirakuru/ports.hpp): the range and the lock
// directory behind them.
//
// bind(0)+close is not enough: between allocation and the service's own bind(), another runner
// (or an outgoing connection's ephemeral port) could take the port. So ports come from a range
// outside /proc/sys/net/ipv4/ip_local_port_range (the kernel never hands those out as ephemeral
// ports), and each one is guarded by a lock file (flock, shared by every runner of this user)
// held for the lifetime of the reservation. A port is only taken when it is also bindable now.
#pragma once

#include <filesystem>
#include <string>

#include "mirakuru/ports.hpp"

namespace mirakuru::detail {

using PortReservation = ReservedPort;

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

// The directory of the lock files: $MIRAKURU_PORT_LOCK_DIR (must exist), else
// $XDG_RUNTIME_DIR/mirakuru-ports, else /tmp/mirakuru-ports-UID (created 0700). Throws
// std::runtime_error saying what is wrong and what to do when it is missing, not a directory
// (a symlink included), not owned by this user, or open to the group or others.
std::filesystem::path port_lock_dir();

}  // namespace mirakuru::detail
