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

// Resolves host:port to every TCP address (IPv4 and IPv6). Numeric hosts ("127.0.0.1", "::1",
// "[::1]") and "localhost" are answered on the calling thread without a lookup; other names are
// looked up by lookup_bounded() (name_lookup.hpp), waiting at most until min(deadline,
// now + kLookupWait). On failure returns false and sets `error` ("cannot resolve db.local: Name
// or service not known", or "resolving db.local took longer than 100 ms ..." while the lookup
// goes on: the caller should say "not yet" and ask again).
bool resolve_tcp(
    const std::string& host, int port, std::vector<Endpoint>& out, std::string& error,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

// One getaddrinfo() call for TCP addresses, with extra `flags` (AI_NUMERICHOST: no lookup).
// Blocks as long as the system resolver does. Returns 0 or the EAI_* code (`error` set).
int getaddrinfo_tcp(const std::string& name, int port, int flags, std::vector<Endpoint>& out,
                    std::string& error);

// Tries each endpoint in turn with a non-blocking connect bounded by `per_address` and by
// `deadline`; Ready on the first that accepts, else NotYet with what each one answered
// ("127.0.0.1:5432: connection refused"). `accepted`, when given, is set to the endpoint that
// accepted (null otherwise).
ProbeResult connect_any(const std::vector<Endpoint>& endpoints,
                        std::chrono::steady_clock::time_point deadline,
                        std::chrono::milliseconds per_address, const Endpoint** accepted = nullptr);

// The first of `endpoints` that one of `sockets` (listening in the runner's network namespace)
// serves: the same port and address, or a wildcard bind ("0.0.0.0"; "::", which takes IPv4 too
// unless v6only) for a loopback endpoint — a wildcard also serves the host's other addresses,
// but only loopback is surely this host. Null when they serve none.
const Endpoint* served_by(const std::vector<Endpoint>& endpoints,
                          const std::vector<ListeningSocket>& sockets);

// The endpoint's address alone, without port or brackets: "127.0.0.1", "::1".
std::string address_text(const Endpoint& endpoint);

// "host:port", with brackets around IPv6 literals.
std::string host_port(const std::string& host, int port);

}  // namespace mirakuru::detail
