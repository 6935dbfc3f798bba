// mirakuru/probe.hpp — how a readiness executor knows its process is ready.
//
// A probe is a small object an Executor asks "ready yet?". How often it is asked depends on what
// a check costs the service (next_check()):
// - Free checks never reach the service's code — a refused TCP connect, a unix socket connect,
//   a stat(). A probe that waits for something to listen (TCP, HTTP, unix socket:
//   waits_for_listen()) is asked right after each listen() call of the service's process tree,
//   which the kernel reports (Options::listen_events), and otherwise sparsely, on the backoff
//   below: a server is seen a fraction of a millisecond after it listens, for ~1% of a core.
//   The runner makes a TCP listen() for the service and tells the probe which socket now
//   listens (on_listening()): the TCP probe then needs no connect, the HTTP probe sends its
//   first request at once.
//   Where the kernel has no listen events, and for file probes, free checks are made every
//   Options::poll_initial (250 us) for as long as start() waits: ~0.25 ms after the listen(),
//   but ~20% of a core.
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
// The built-in probes (make_*_probe()) and their combinations (all_of(), any_of()) are declared
// in <mirakuru/probe_factories.hpp>, which this header includes: e.g. to wait for an HTTP
// endpoint of a process that an exec probe also has to confirm.
//
// Threads: an Executor calls occupied(), reset(), check(), on_listening() and on_output_closed()
// from the thread that runs start(); on_line() is called on the library's output thread, never
// concurrently with reset() (the Executor serializes the two).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// A TCP socket the runner made listen on the service's behalf (Options::listen_events), in the
// runner's network namespace: the address as bound ("127.0.0.1", "::1", "0.0.0.0", "::") and
// the port. `v6only`: an IPv6 socket that takes no IPv4 connections (IPV6_V6ONLY).
struct ListeningSocket {
  std::string address;
  int port = 0;
  bool v6only = false;
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

  // True for a probe that waits for something to listen (TCP, HTTP, unix socket): start() then
  // asks for the service's listen() calls (Options::listen_events) and checks right after each,
  // polling only sparsely in between, instead of every poll_initial. Default false.
  virtual bool waits_for_listen() const { return false; }

  // Called by start(), before the next check(), for each TCP socket of the service's tree that
  // now listens (with listen events, the runner makes the listen() itself and knows the socket
  // accepts). A probe whose endpoint it serves may answer that check from it instead of
  // connecting (the TCP probe does; the HTTP probe sends its first request at once). Default:
  // ignored.
  virtual void on_listening(const ListeningSocket& /*socket*/) {}

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

}  // namespace mirakuru

// The factories: part of what this header provides (all_of/any_of are "in <mirakuru/probe.hpp>").
#include "mirakuru/probe_factories.hpp"  // IWYU pragma: export
