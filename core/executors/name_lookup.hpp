// Host name lookups bounded in time. getaddrinfo() has no timeout of its own: a slow or broken
// resolver (an unreachable DNS server, a stalled NSS module) would block a readiness check —
// and start() — far past its deadline. Names are therefore looked up on a worker thread that
// the caller stops waiting for.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "executors/tcp_connect.hpp"

namespace mirakuru::detail {

// How long one call of lookup_bounded() waits at most for an answer still to come.
inline constexpr std::chrono::milliseconds kLookupWait{100};

// Looks `name` up (TCP addresses, `port` filled in), waiting until min(deadline,
// now + kLookupWait). True with `out` filled; false with `error` set when the name does not
// resolve, or — while the lookup is still going on — to "resolving NAME took longer than X (...)".
// A lookup that outlives its caller goes on in the background and is not started again: the
// next call for the same name and port waits for the same lookup, or takes its answer if it came
// meanwhile (answers nobody collected are dropped after a few seconds). Thread-safe; the worker
// thread owns what it uses, so callers and probes may be destroyed while it runs.
bool lookup_bounded(const std::string& name, int port, std::vector<Endpoint>& out,
                    std::string& error, std::chrono::steady_clock::time_point deadline);

// The blocking lookup the worker threads run: getaddrinfo_tcp() unless a test replaced it.
// Returns true with `out`, or false with `error`.
using BlockingResolver = bool (*)(const std::string& name, int port, std::vector<Endpoint>& out,
                                  std::string& error);

// Test seam: lookups started from now on use `resolver` (nullptr: getaddrinfo again). Returns
// the previous one.
BlockingResolver set_blocking_resolver(BlockingResolver resolver);

// Worker threads still running (tests: nothing is left behind once a resolver returns).
std::size_t lookups_in_flight();

}  // namespace mirakuru::detail
