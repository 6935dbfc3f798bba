// "auto" ports: outside the kernel's ephemeral range, locked against other runners, bindable.
#include "services/ports.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>

namespace mirakuru::detail {
namespace {

TEST(Ports, RangeAvoidsTheEphemeralRange) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 0, hi = 0;
  ASSERT_TRUE(in >> lo >> hi);
  const PortRange r = auto_port_range();
  if (hi - lo < 60000) {
    EXPECT_TRUE(r.last < lo || r.first > hi) << r.first << "-" << r.last;
  }
  EXPECT_GE(r.last - r.first, 999);
}

TEST(Ports, ReservationsAreDistinctAndBindable) {
  std::vector<PortReservation> held;
  std::set<int> ports;
  for (int i = 0; i < 20; ++i) {
    held.push_back(PortReservation::acquire());
    ports.insert(held.back().port());
  }
  EXPECT_EQ(ports.size(), 20u);
  // Bindable by the service that will get it (the lock is a file, not a socket).
  EXPECT_TRUE(port_bindable(*ports.begin()));
}

TEST(Ports, ABoundPortIsNotBindable) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  EXPECT_FALSE(port_bindable(ntohs(addr.sin_port)));
  ::close(fd);
}

TEST(Ports, ReleasedWhenTheReservationDies) {
  int port = 0;
  {
    auto r = PortReservation::acquire();
    port = r.port();
    PortReservation moved = std::move(r);
    EXPECT_EQ(r.port(), 0);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.port(), port);
  }
  // Narrow the range to that one port: it must be available again.
  ::setenv("MIRAKURU_PORT_RANGE", (std::to_string(port) + "-" + std::to_string(port)).c_str(), 1);
  EXPECT_EQ(PortReservation::acquire().port(), port);
  {
    auto held = PortReservation::acquire();
    EXPECT_EQ(held.port(), port);
    EXPECT_THROW(PortReservation::acquire(), std::runtime_error);  // the only port is locked
  }
  ::unsetenv("MIRAKURU_PORT_RANGE");
}

}  // namespace
}  // namespace mirakuru::detail
