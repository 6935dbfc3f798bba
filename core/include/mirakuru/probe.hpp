// mirakuru/probe.hpp — how a readiness executor knows its process is ready.
//
// A probe is a small object an Executor asks "ready yet?". Probes that can only be polled
// (TCP, HTTP, sockets, files, commands) are asked with a backoff that starts at
// Options::poll_initial, doubles, is capped at Options::poll_max, restarts from the smallest
// interval whenever the process writes output (servers log when they come up), and is cut short
// the moment the process exits. Output probes are event-driven: they see each line as it
// arrives.
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
#pragma once

#include <string>
#include <string_view>

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

  // One readiness check. Must return within a few milliseconds (bound its own I/O).
  virtual ProbeResult check() = 0;

  // What this probe waits for, for messages: "TCP 127.0.0.1:5432".
  virtual std::string describe() const = 0;

  // Output probes: true to receive on_line() for each line of the started process.
  virtual bool wants_lines() const { return false; }
  // Called on the output thread for each complete line; must be quick and thread-safe with
  // respect to check().
  virtual void on_line(Stream, std::string_view /*line*/) {}
  // Called (on the output thread) when the process's captured output has reached EOF.
  virtual void on_output_closed() {}
};

}  // namespace mirakuru
