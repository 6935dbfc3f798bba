// mirakuru/probe.hpp — how a readiness executor knows its process is ready.
//
// A probe is a small object an Executor asks "ready yet?". How often it is asked depends on what
// a check costs the service (next_check()):
// - Free checks never reach the service's code — a refused TCP connect, a unix socket connect,
//   a stat(). TCP, unix socket and file probes are asked every Options::poll_initial (250 us)
//   for as long as start() waits: a server is seen a fraction of a millisecond after it listens,
//   for a few percent of one core.
// - Checks that reach the application — an HTTP request, a check command — are paced by the
//   probe: the first at once, then 5 ms later, the interval doubling up to 100 ms. An HTTP probe
//   first waits for the port to accept (free checks), then sends its requests.
// - Output probes are event-driven: they see each line as it arrives and are asked again only
//   when something happened.
// Output from the service wakes a check early (servers log when they come up), but never within
// 250 us of the last one, and a paced probe asked too early answers from its last result (at
// most one request per 50 ms): a server that logs every request cannot turn the probe into a
// request storm. The moment the process exits, the wait is cut short. Custom probes that
// do not say (next_check() is nullopt) are asked with a backoff: every poll_initial at first, then
// every eighth of the time waited so far, capped at Options::poll_max.
//
// A custom probe in a dozen lines:
//
//   struct FileHasContent : mirakuru::Probe {
//     std::filesystem::path file;
//     explicit FileHasContent(std::filesystem::path f) : file(std::move(f)) {}
//     mirakuru::ProbeResult check() override {
//       std::error_code ec;
//       if (std::filesystem::file_size(file, ec) > 0 && !ec) return mirakuru::ProbeResult::ready();
//       return mirakuru::ProbeResult::not_yet("empty or missing: " + file.string());
//     }
//     std::string describe() const override { return "content in " + file.string(); }
//   };
//   mirakuru::Executor ex("my-server", std::make_unique<FileHasContent>("/tmp/x"));
//
// The built-in probes are available on their own through the make_*_probe() factories below,
// e.g. to wait for an HTTP endpoint of a process that an ExecProbe also has to confirm.
//
// Threads: an Executor calls occupied(), reset(), check() and on_output_closed() from the thread
// that runs start(); on_line() is called on the library's output thread, never concurrently with
// reset() (the Executor serializes the two).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mirakuru/command.hpp"
#include "mirakuru/options.hpp"

namespace mirakuru {

struct ProbeResult {
  enum class State {
    Ready,   // the service is ready
    NotYet,  // not yet: ask again later
    Never,   // can no longer become ready (e.g. the output it watches reached EOF)
  };
  State state = State::NotYet;
  std::string detail;  // what the probe saw, for messages: "connection refused", "HTTP 503"

  static ProbeResult ready(std::string d = {}) { return {State::Ready, std::move(d)}; }
  static ProbeResult not_yet(std::string d) { return {State::NotYet, std::move(d)}; }
  static ProbeResult never(std::string d) { return {State::Never, std::move(d)}; }
  bool is_ready() const { return state == State::Ready; }
};

class Probe {
 public:
  virtual ~Probe() = default;

  // Called by start() before spawning: true when something already serves the resource this
  // probe watches (the port answers, the socket accepts, the file exists) — start() then
  // throws AlreadyRunning. Default: false.
  virtual bool occupied() { return false; }

  // Called once by start() just before spawning (e.g. to forget an earlier run's state).
  virtual void reset() {}

  // One readiness check. Must return quickly: bound any I/O by a few milliseconds for local
  // failures, and never block past deadline().
  virtual ProbeResult check() = 0;

  // What this probe waits for, for messages: "TCP 127.0.0.1:5432".
  virtual std::string describe() const = 0;

  // When the next check() is worth making (steady clock), asked after each check(): a time in
  // the past (e.g. time_point::min()) for a free check — asked again every Options::poll_initial
  // —, a later time for a probe that paces itself, time_point::max() when only output or an exit
  // can change the answer. Default std::nullopt: the Executor's backoff decides (see the top).
  // check() may still be called sooner (output woke it): a paced probe then answers from its
  // last result rather than reaching the service again.
  virtual std::optional<std::chrono::steady_clock::time_point> next_check() const {
    return std::nullopt;
  }

  // Output probes: true to receive on_line() for each line of the started process. Such probes
  // are not polled: check() is called again only after new output or an exit.
  virtual bool wants_lines() const { return false; }
  // Called on the output thread for each complete line (without '\n' and a trailing '\r'); must
  // be quick and thread-safe with respect to check(). A line longer than 64 KiB arrives as
  // several pieces of 64 KiB that overlap by 4 KiB (any text of up to 4 KiB is whole in one
  // of them), so memory stays bounded whatever the service writes.
  virtual void on_line(Stream, std::string_view /*line*/) {}
  // Called by start() once the process's captured output has reached EOF (after every line was
  // passed to on_line()).
  virtual void on_output_closed() {}

  // When start() gives up (steady clock). Set by the Executor before each check(); max() when the
  // probe is used on its own.
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

  // True once start() will fail whatever the probe says: the started process exited with a
  // non-zero code or died by a signal (an exit 0 is not an interrupt: the service may have
  // daemonized, and checks go on). A check() that blocks for long (a check command) asks this
  // while it waits and returns promptly when it turns true; its result no longer matters. The
  // Executor sets the hook at each start(), on the thread that calls check(); unset (a probe
  // used on its own), interrupted() is always false. The hook is called from check() only and
  // must be quick.
  bool interrupted() const { return interrupt_ && interrupt_(); }
  void set_interrupt(std::function<bool()> interrupted) { interrupt_ = std::move(interrupted); }

 private:
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::function<bool()> interrupt_;
};

// Which output streams an output probe watches.
enum class OutputStreams { Stdout, Stderr, Both };

// How an HTTP probe asks (HttpExecutor). An aggregate: only append fields.
struct HttpCheck {
  std::string status = "^2\\d\\d$";            // regex (RE2) the status code must match
  std::string method = "HEAD";                 // HEAD, GET, POST, ...
  std::map<std::string, std::string> headers;  // sent with each check
  std::string body;                            // sent with each check (e.g. a JSON query)
};

// --- the built-in probes (what the executors in executors.hpp compose) ---

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
