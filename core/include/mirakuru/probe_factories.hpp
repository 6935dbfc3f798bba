// mirakuru/probe_factories.hpp — the built-in probes and their combinations.
//
// Each returns a Probe (the interface in <mirakuru/probe.hpp>, which also includes this header)
// for an Executor: mirakuru::Executor ex(cmd, mirakuru::make_tcp_probe("127.0.0.1", 5432)).
// The executors of <mirakuru/executors.hpp> are an Executor composed with one of these.
// How often each is asked: see the opening of probe.hpp.
//
// Threads: each factory may be called from any thread; a probe is then used by one Executor
// (see probe.hpp).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mirakuru/command.hpp"
#include "mirakuru/options.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

// Which output streams an output probe watches.
enum class OutputStreams { Stdout, Stderr, Both };

// How an HTTP probe asks (HttpExecutor). An aggregate: only append fields.
struct HttpCheck {
  std::string status = "^2\\d\\d$";            // regex (RE2) the status code must match
  std::string method = "HEAD";                 // HEAD, GET, POST, ...
  std::map<std::string, std::string> headers;  // sent with each check
  std::string body;                            // sent with each check (e.g. a JSON query)
};

// Ready when `times` lines of the watched streams (since this start) match `banner_regex`
// (regex_search: a match mid-line counts). Never once the output reached EOF before that.
// Regexes matched against output use RE2 (linear time, no recursion: service output is
// untrusted input): ECMAScript-like syntax without backreferences or lookaround. A line longer
// than 64 KiB is matched in overlapping pieces: a banner of up to 4 KiB is found anywhere in it.
// Throws std::invalid_argument naming the pattern and the reason for an invalid regex, or for
// times < 1.
std::unique_ptr<Probe> make_output_probe(std::string banner_regex,
                                         OutputStreams streams = OutputStreams::Both,
                                         int times = 1);

// Ready when a TCP connection to host:port succeeds (IPv4, IPv6 or a host name: every resolved
// address is tried, each bounded to 250 ms). occupied() when one succeeds before start.
// Numeric addresses and "localhost" (127.0.0.1, then ::1) need no lookup. Other names are looked
// up on a worker thread (getaddrinfo has no timeout of its own): a check waits for the lookup at
// most 100 ms and never past deadline(), then says "not yet: resolving NAME took longer than
// ..." while the lookup goes on, and the next check picks up its answer.
// Throws std::invalid_argument for a port outside 1..65535.
std::unique_ptr<Probe> make_tcp_probe(std::string host, int port);

// Ready when `url` (http[s]://host[:port]/path?query) answers with a status matching
// check.status. The path and query string are sent as given (already URL-encoded); HTTPS
// certificates are not verified (readiness only). occupied() when the port accepts TCP.
// Throws std::invalid_argument for a URL it cannot parse, an invalid status regex (RE2), or a
// method or header that contains CR, LF or NUL (it would split the request).
std::unique_ptr<Probe> make_http_probe(std::string url, HttpCheck check = {});

// Ready when connect() on the unix stream socket succeeds; a stale socket file is not occupied().
// Throws std::invalid_argument when the path is longer than the kernel's 107 bytes.
std::unique_ptr<Probe> make_unix_socket_probe(std::filesystem::path socket);

// Ready when `file` exists (with require_content: and is not empty). occupied() when it exists.
std::unique_ptr<Probe> make_file_probe(std::filesystem::path file, bool require_content = false);

// Ready when `check` exits 0. It runs with `options`' cwd, environment, shell and user (its
// output captured for messages, stdin /dev/null); each run is bounded by max(1 s, 50 x poll_max)
// and by deadline(), then killed — and killed at once, ending the check within milliseconds, when
// interrupted() turns true (the service died). Never when the check cannot be started at all
// (SpawnError).
std::unique_ptr<Probe> make_exec_probe(Command check, Options options = {});

// --- composite readiness ---

// Ready once every probe is ready (all_of) / once one of them is (any_of). A part that became
// ready is not asked again in this start (a banner seen, a port that accepted); all_of can never
// succeed once one part can never succeed, any_of once every part cannot. occupied() when any
// part's resource is taken. Output parts see every line; checks are paced as each part asks
// (an HTTP part stays polite while a TCP part is polled densely). Messages name each part.
// Throws std::invalid_argument for an empty list or a null probe.
std::unique_ptr<Probe> all_of(std::vector<std::unique_ptr<Probe>> probes);
std::unique_ptr<Probe> any_of(std::vector<std::unique_ptr<Probe>> probes);

// The probes as a vector (an initializer list cannot hold move-only values):
//   mirakuru::Executor pg(cmd, mirakuru::all_of(mirakuru::probe_list(
//       mirakuru::make_tcp_probe("127.0.0.1", 5432),
//       mirakuru::make_output_probe("ready to accept connections", OutputStreams::Both, 2))));
template <typename... P>
std::vector<std::unique_ptr<Probe>> probe_list(std::unique_ptr<P>... probes) {
  std::vector<std::unique_ptr<Probe>> list;
  list.reserve(sizeof...(probes));
  (list.push_back(std::move(probes)), ...);
  return list;
}

}  // namespace mirakuru
