// mirakuru/options.hpp — how to run a command. One aggregate with default member values, so
// designated initializers work:
//
//   mirakuru::SimpleExecutor ex("my-server", {.cwd = "/srv", .env = {{"PORT", "8080"}},
//                                              .timeout = std::chrono::seconds(5)});
//
// The order of the fields is API: new fields are only ever appended.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mirakuru {

// What happens to one of the child's output streams.
enum class Stdio {
  Capture,  // drained continuously into a bounded ring (output()/err_output()) and log_file
  Inherit,  // the runner's own stdout/stderr
  Null,     // /dev/null
};

// One of a process's output streams.
enum class Stream { Out, Err };

struct Options {
  std::filesystem::path cwd;                  // working directory; empty: inherit the runner's
  std::map<std::string, std::string> env;     // added to / overriding the inherited environment
  bool inherit_env = true;                    // false: the child sees only `env`
  bool shell = false;                         // run the command line through /bin/sh -c
  std::chrono::milliseconds timeout{60'000};  // start(): deadline to be ready
  std::optional<std::chrono::milliseconds> stop_timeout;  // stop(): grace before kill_signal;
                                                          // unset: `timeout`
  int stop_signal = SIGTERM;                              // sent to the process group by stop()
  int kill_signal = SIGKILL;                              // sent when the grace period ran out
  std::optional<int> expected_returncode;  // unset: 0, or death by stop_signal, is clean
  Stdio stdout_mode = Stdio::Capture;
  Stdio stderr_mode = Stdio::Capture;
  std::filesystem::path log_file;       // optional: every captured byte also goes here
                                        // (both streams, appended, in full)
  std::string user;                     // run as this user; only when the runner is root
  std::vector<std::string> env_remove;  // inherited variables to drop (e.g. PGPORT)

  // --- mirakuru-cpp extensions (appended; not in the Python mirakuru) ---
  std::size_t output_limit = std::size_t{1} << 20;  // bytes kept per captured stream (newest)
  std::chrono::microseconds poll_initial{250};      // probe backoff: shortest interval (then T/8)
  std::chrono::milliseconds poll_max{20};           // probe backoff: cap

  // --- retries (readiness executors: Executor and its subclasses) ---
  // A start() that fails — not ready within `timeout` (each attempt has its own), the process
  // exiting early, the port/socket/file already taken, the probe giving up — is tried again up
  // to `retries` times, each time with a fresh process, after `retry_delay`. The final error is
  // the last attempt's, of the same type, and lists every attempt (number, what failed, how
  // long it took). Never retried: SpawnError (exec cannot work), StartInterrupted. 0..100;
  // retry_delay 0..1 h (std::invalid_argument otherwise). A SimpleExecutor, whose start() only
  // spawns, does not retry.
  int retries = 0;
  std::chrono::milliseconds retry_delay{0};

  // --- listen events (readiness executors whose probe waits for a port or a unix socket) ---
  // The kernel reports each listen() call of the service's process tree to the runner (a
  // seccomp user notification; the call keeps its effect and result: for a TCP socket the
  // runner makes it on the service's behalf, and so knows the port accepts), so start() checks
  // the port the moment it starts listening and otherwise polls sparsely: a silent server is seen
  // 0.25-0.5 ms after its listen() whenever it comes, for ~1% of a core while waiting (dense
  // polling: ~0.25 ms, but ~20% of a core). Linux 5.5 or later; where it is unavailable
  // start() polls densely as before (Options::poll_initial).
  // The price: unless the runner has CAP_SYS_ADMIN (root), the kernel allows this only with
  // no_new_privs set on the service, which its whole tree inherits: setuid and file-capability
  // programs it runs (sudo, su, some ping builds) get no extra privileges. A service that needs
  // them: set false (JSON "listen_events": false).
  bool listen_events = true;
};

}  // namespace mirakuru
