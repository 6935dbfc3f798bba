// TCP reachability, shared by the TCP probe and the HTTP probe's occupied()/diagnostics.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "mirakuru/probe.hpp"

namespace mirakuru::detail {

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:5432", "[::1]:5432"
};

// Resolves host:port to every TCP address (IPv4 and IPv6; numeric hosts without a lookup).
// On failure returns false and sets `error` ("cannot resolve db.local: Name or service not known").
bool resolve_tcp(const std::string& host, int port, std::vector<Endpoint>& out, std::string& error);

// Tries each endpoint in turn with a non-blocking connect bounded by `per_address` and by
// `deadline`; Ready on the first that accepts, else NotYet with what each one answered
// ("127.0.0.1:5432: connection refused").
ProbeResult connect_any(const std::vector<Endpoint>& endpoints,
                        std::chrono::steady_clock::time_point deadline,
                        std::chrono::milliseconds per_address);

// "host:port", with brackets around IPv6 literals.
std::string host_port(const std::string& host, int port);

}  // namespace mirakuru::detail
