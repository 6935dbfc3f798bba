#include "executors/tcp_connect.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "executors/messages.hpp"
#include "executors/name_lookup.hpp"

namespace mirakuru::detail {

namespace {

std::string endpoint_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string&&.
    std::string text(1, '[');
    text.append(buf).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
    return text;
  }
  auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
  ::inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(in4->sin_port));
}

// 0 when connected, else the errno that explains why not (ETIMEDOUT when the bound ran out).
int connect_one(const Endpoint& ep, std::chrono::milliseconds bound) {
  int fd = ::socket(ep.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ep.address), ep.length) != 0) {
    err = errno;
    if (err == EINPROGRESS || err == EINTR) {
      pollfd pfd{fd, POLLOUT, 0};
      int n;
      do {
        n = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(bound.count(), 0)));
      } while (n < 0 && errno == EINTR);
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (n < 0) {
        err = errno;
      } else {
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
  }
  ::close(fd);
  return err;
}

// RFC 6761: "localhost" is the loopback interface and needs no resolver — which could stall.
bool is_localhost(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name.size() == 9 && std::equal(name.begin(), name.end(), "localhost", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// IPv4 first: test services bind 127.0.0.1 far more often than ::1.
std::vector<Endpoint> loopback_endpoints(int port) {
  std::vector<Endpoint> out(2);
  auto* in4 = reinterpret_cast<sockaddr_in*>(&out[0].address);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(static_cast<std::uint16_t>(port));
  in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  out[0].length = sizeof(sockaddr_in);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out[1].address);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(static_cast<std::uint16_t>(port));
  in6->sin6_addr = in6addr_loopback;
  out[1].length = sizeof(sockaddr_in6);
  for (auto& ep : out) ep.text = endpoint_text(reinterpret_cast<const sockaddr*>(&ep.address));
  return out;
}

}  // namespace

std::string host_port(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int getaddrinfo_tcp(const std::string& name, int port, int flags, std::vector<Endpoint>& out,
                    std::string& error) {
  out.clear();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | flags;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(name.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (rc != 0) {
    error = "cannot resolve " + name + ": " + ::gai_strerror(rc);
    return rc;
  }
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Endpoint ep;
    std::memcpy(&ep.address, ai->ai_addr, ai->ai_addrlen);
    ep.length = ai->ai_addrlen;
    ep.text = endpoint_text(ai->ai_addr);
    bool duplicate =
        std::any_of(out.begin(), out.end(), [&](const Endpoint& e) { return e.text == ep.text; });
    if (!duplicate) out.push_back(std::move(ep));
  }
  ::freeaddrinfo(list);
  if (out.empty()) {
    error = "cannot resolve " + name + ": no TCP address";
    return EAI_NODATA;
  }
  return 0;
}

bool resolve_tcp(const std::string& host, int port, std::vector<Endpoint>& out, std::string& error,
                 std::chrono::steady_clock::time_point deadline) {
  out.clear();
  // "[::1]" is how people write IPv6 hosts next to a port.
  std::string name = host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);
  if (name.empty()) {
    error = "cannot resolve an empty host name: give an address or a name";
    return false;
  }
  if (is_localhost(name)) {
    out = loopback_endpoints(port);
    return true;
  }
  std::string numeric_error;
  int rc = getaddrinfo_tcp(name, port, AI_NUMERICHOST, out, numeric_error);
  if (rc == 0) return true;
  if (rc != EAI_NONAME) {  // numeric, but not an address this host can use
    error = std::move(numeric_error);
    return false;
  }
  return lookup_bounded(name, port, out, error, deadline);
}

ProbeResult connect_any(const std::vector<Endpoint>& endpoints,
                        std::chrono::steady_clock::time_point deadline,
                        std::chrono::milliseconds per_address, const Endpoint** accepted) {
  if (accepted != nullptr) *accepted = nullptr;
  std::string seen;
  for (const auto& ep : endpoints) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto bound = std::clamp(left, std::chrono::milliseconds(1), per_address);
    int err = connect_one(ep, bound);
    if (err == 0) {
      if (accepted != nullptr) *accepted = &ep;
      return ProbeResult::ready(ep.text + " accepts connections");
    }
    if (!seen.empty()) seen += "; ";
    seen +=
        ep.text + ": " +
        (err == ETIMEDOUT ? "connect timed out after " + format_duration(bound) : errno_text(err));
  }
  return ProbeResult::not_yet(seen);
}

std::string address_text(const Endpoint& endpoint) {
  char buf[INET6_ADDRSTRLEN] = {};
  const auto* sa = reinterpret_cast<const sockaddr*>(&endpoint.address);
  if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  }
  return buf;
}

namespace {

bool serves(const Endpoint& endpoint, const ListeningSocket& socket) {
  const auto* sa = reinterpret_cast<const sockaddr*>(&endpoint.address);
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (ntohs(in6->sin6_port) != socket.port) return false;
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) && socket.address == "::") return true;
  } else if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    if (ntohs(in->sin_port) != socket.port) return false;
    const bool loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    if (loopback && (socket.address == "0.0.0.0" || (socket.address == "::" && !socket.v6only))) {
      return true;
    }
  } else {
    return false;
  }
  return address_text(endpoint) == socket.address;
}

}  // namespace

const Endpoint* served_by(const std::vector<Endpoint>& endpoints,
                          const std::vector<ListeningSocket>& sockets) {
  for (const auto& socket : sockets) {
    for (const auto& endpoint : endpoints) {
      if (serves(endpoint, socket)) return &endpoint;
    }
  }
  return nullptr;
}

}  // namespace mirakuru::detail
