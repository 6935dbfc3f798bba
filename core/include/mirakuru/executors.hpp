// mirakuru/executors.hpp — the readiness executors of the Python mirakuru.
//
//   mirakuru::TcpExecutor redis("redis-server --port 6399", "127.0.0.1", 6399);
//   redis.start();   // returns once 127.0.0.1:6399 accepts a connection
//
// Each is an Executor composed with one probe (probe_factories.hpp: make_*_probe); all share
// Executor's start() semantics (AlreadyRunning, ProcessExitedWithError, TimeoutExpired) and its
// threading rules. Constructors only validate their arguments: nothing is started or connected.
#pragma once

#include <filesystem>
#include <string>

#include "mirakuru/executor.hpp"

namespace mirakuru {

// Ready when a line of output matches `banner_regex` (RE2 syntax, regex_search: a match
// mid-line counts), on stdout, stderr or both (default). Woken by the output itself: no polling.
// Only output of the current start() counts; lines split across writes are joined first; see
// make_output_probe() for long lines. A process that ends its output (or exits 0 and closes
// it) without the banner fails at once. Throws std::invalid_argument for an invalid regex
// (naming the pattern and the reason) and when none of the watched streams is captured
// (Options::stdout_mode / stderr_mode). With `times` > 1, ready once that many lines matched in
// this start (PostgreSQL says "ready to accept connections" twice when initdb ran first).
class OutputExecutor : public Executor {
 public:
  OutputExecutor(Command command, std::string banner_regex, Options options = {},
                 OutputStreams streams = OutputStreams::Both, int times = 1);
};

// Ready when a TCP connection to host:port succeeds (IPv4, IPv6 or a name: every resolved
// address is tried). AlreadyRunning when one succeeds before start.
class TcpExecutor : public Executor {
 public:
  TcpExecutor(Command command, std::string host, int port, Options options = {});
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_;
};

// Ready when `url` (http[s]://host:port/path?query) answers with a status matching
// HttpCheck::status (default 2xx) to HttpCheck::method (default HEAD). The path and the query
// string are sent. AlreadyRunning when the port accepts connections before start.
// Throws std::invalid_argument for a URL it cannot parse.
class HttpExecutor : public Executor {
 public:
  HttpExecutor(Command command, std::string url, HttpCheck check = {}, Options options = {});
  const std::string& url() const { return url_; }

 private:
  std::string url_;
};

// Ready when connect() on the unix socket succeeds. A stale socket file nobody listens on is
// not AlreadyRunning. A relative path is taken relative to Options::cwd when set. A path over
// the kernel's limit (107 bytes) throws std::invalid_argument from the constructor.
class UnixSocketExecutor : public Executor {
 public:
  UnixSocketExecutor(Command command, std::filesystem::path socket, Options options = {});
};

// Ready when `file` exists (and, with `require_content`, is not empty). AlreadyRunning when it
// exists before start. A relative path is taken relative to Options::cwd when set.
class PidExecutor : public Executor {
 public:
  PidExecutor(Command command, std::filesystem::path file, Options options = {},
              bool require_content = false);
};

// Ready when `check` exits 0 (e.g. "pg_isready -p 5432", "redis-cli -p 6379 ping"). Each check
// runs with the executor's env, cwd, shell and user, bounded by max(1 s, 50 x poll_max) and by
// the start() deadline. A check command that cannot be started at all fails start() at once.
class ExecProbeExecutor : public Executor {
 public:
  ExecProbeExecutor(Command command, Command check, Options options = {});
};

}  // namespace mirakuru
