// mirakuru/service_set.hpp — the services a test suite needs, described in JSON or in C++.
//
//   auto set = mirakuru::ServiceSet::from_file("services.json");
//   set.start();                 // dependencies first, independent services in parallel
//   int port = set.port("api");  // "port": "auto" is resolved at construction
//   set.stop();                  // reverse order; the destructor does it too
//
// The format is documented in docs/service-sets.md and docs/service-set.schema.json. The same
// set can be described in C++ (mirakuru/service_description.hpp, from_description()): the JSON
// parser produces that description, so both are validated alike.
//
// Lifecycle:
// - Construction validates everything (a ConfigError naming the JSON path; nothing is left
//   behind) and starts nothing. It reserves the "auto" ports (held until destruction, so no
//   other runner can take them), creates each service's ${tmpdir} and builds each executor.
// - start() runs setup commands and starts the services, each in its own thread as soon as its
//   dependencies are ready; stop() stops them dependents-first, also in parallel.
// - ${tmpdir}s belong to the set, not to one start: created with it (files written there before
//   start() are found by the service), kept across stop()/start() (a restart sees its data),
//   removed by the destructor (and by the termination handler, mirakuru/cleanup.hpp). Each is
//   mode 0700 ("tmpdir_mode", set_tmpdir_mode() for more). MIRAKURU_KEEP_TMPDIRS=failed keeps
//   those of a set where a service failed, =always every one (default: never); kept
//   directories are logged (warn).
// - The destructor stops what runs and removes the set's directories; it never throws.
//
// Threads: one ServiceSet must not be used from several threads at once while start() or
// stop() runs; the const accessors may be called concurrently otherwise. Distinct sets are
// independent. A forked copy of the process (a GoogleTest death test) never stops, kills or
// cleans up the services of the process that started them.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mirakuru/service_description.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

// What the "health" checks of one service saw (ServiceSet::health()).
struct ServiceHealth {
  bool checked = false;  // the service has "health" (and the set was started)
  bool healthy = true;   // false once `failures` checks in a row failed, until one passes
  int failures_in_a_row = 0;
  std::size_t checks = 0;            // checks made since the set last started
  std::size_t turned_unhealthy = 0;  // times it became unhealthy since the set last started
  std::string check;                 // what is checked: "TCP 127.0.0.1:5432"
  std::string last_result;           // what the last check saw: "connection refused", "HTTP 503"
};

// Why a service turned unhealthy, as every message of the library words it (the keeper's
// "unhealthy" event, a failed GoogleTest test): "3 health checks in a row failed (TCP
// 127.0.0.1:5432); last check: connection refused". When it has passed again since:
// "its health checks (TCP 127.0.0.1:5432) failed, then passed again; last check: passed".
// A single failure (`"failures": 1`) reads "its health check failed (TCP 127.0.0.1:5432); ...".
// Without a last check (`last_result` empty) the "; last check: ..." part is left out. Meant
// for a `health` whose `turned_unhealthy` grew; the caller names the service (and when).
std::string describe_health_change(const ServiceHealth& health);

class ServiceSet {
 public:
  // Reads and validates a JSON file. Throws ConfigError (what() starts with the file name, then
  // the JSON path; line and column for malformed JSON; "did you mean" for near misses).
  // Relative paths in the file resolve against the file's directory (${config_dir}).
  static ServiceSet from_file(const std::filesystem::path& path);
  // The same from a parsed document. `base_dir`: what relative paths and ${config_dir} resolve
  // against (default: the current directory).
  static ServiceSet from_json(const nlohmann::json& config,
                              const std::filesystem::path& base_dir = {});
  // The same from JSON text (malformed text: ConfigError with line and column).
  static ServiceSet from_string(std::string_view text, const std::filesystem::path& base_dir = {});
  // The same from a C++ description (mirakuru/service_description.hpp), with the validation and
  // the messages of the equivalent JSON: a ConfigError names the path the mistake would have
  // there ("/services/api/depends_on/0"). `base_dir` as for from_json().
  static ServiceSet from_description(const SetDescription& description,
                                     const std::filesystem::path& base_dir = {});

  // A moved-from set is empty: every member but the destructor and assignment throws
  // std::logic_error.
  ServiceSet(ServiceSet&&) noexcept;
  ServiceSet& operator=(ServiceSet&&) noexcept;  // stops what `this` ran first
  ~ServiceSet();                                 // stops everything still running; never throws

  // Starts every service not yet running: setup commands, then the executor, dependencies
  // first, independent services in parallel (the set starts in the time of its longest
  // dependency chain). Blocks until all are ready. A service with "retries" is started again
  // when a start fails (timeout, early exit, port taken), "retry_delay" apart, each time with a
  // fresh process and, on an "auto" port, a fresh port; the error of the last attempt lists
  // every attempt. Without "retries", a service on an "auto" port that finds it taken
  // (AlreadyRunning, or it exits with "address already in use") is retried once on a new port. On a
  // failure, the services still starting are interrupted, what had started is stopped, and the
  // failing executor's error is rethrown as the same type (TimeoutExpired, ProcessExitedWithError,
  // SpawnError, AlreadyRunning...) with "service 'NAME': " at the front of what() and the service's
  // log file and kept tmpdir at the end. Other failures (e.g. its tmpdir cannot be given to `user`)
  // are ExecutorError. Does nothing on an attached set.
  ServiceSet& start();
  // Stops every started service, dependents first, in parallel where the graph allows, and
  // removes their tmpdirs. Blocks until all are dead and reaped. Stops everything, then throws
  // the first error (ProcessFinishedWithError for an unexpected exit code), prefixed like
  // start()'s. Does nothing on an attached set or in a forked copy of the owner.
  ServiceSet& stop();
  // True when every service is running (an attached set: always true — its owner runs them).
  bool running() const;

  // Health ("health" in the JSON): once start() returned, one thread per set checks each such
  // service every `interval` (after the previous check ended) while it runs; `failures` failed
  // checks in a row make it unhealthy, a passing check healthy again. A restarted process (a
  // new pid) starts with a clean slate. stop() ends the checks at once (a check command in
  // flight is killed). healthy(): the service runs and is not unhealthy — a service without
  // "health" is healthy while it runs; an attached set: true (its owner checks). Never blocks
  // for a check; any thread. Unknown name: std::out_of_range.
  bool healthy(const std::string& name) const;
  // The details: what is checked, what the last check saw, how often it turned unhealthy.
  ServiceHealth health(const std::string& name) const;

  // Endpoints: available from construction (ports are allocated then; a retry in start() may
  // change a port). Unknown name: std::out_of_range naming the services that exist.
  int port(const std::string& name) const;  // std::out_of_range when it has no "port"
  int port(const std::string& name, const std::string& port_name) const;  // "ports": {...}
  std::string host(const std::string& name) const;                        // default "127.0.0.1"
  std::string url(const std::string& name) const;                         // http://HOST:PORT
  std::filesystem::path tmpdir(const std::string& name) const;
  // The C++ form of "tmpdir_mode": gives the service a directory with `mode` (0700-0777; the
  // owner keeps rwx), e.g. std::filesystem::perms(0755) for nginx, whose workers run as
  // `nobody` and read their config there. Such a directory sits at the top of the temporary
  // directory rather than in the set's private one; what the old one held is moved along, and
  // tmpdir(name), ${tmpdir} and ${services.NAME.tmpdir} change to it (every executor is built
  // again: references from executor() before this call dangle). Throws std::logic_error while
  // any service of the set runs, std::invalid_argument for a mode out of range,
  // std::out_of_range for an unknown name, std::filesystem::filesystem_error.
  ServiceSet& set_tmpdir_mode(const std::string& name, std::filesystem::perms mode);
  // The service's executor (a TcpExecutor, OutputExecutor... as its "ready" says). The
  // reference stays valid until the set is destroyed, except that a port retry in start()
  // replaces the executor of that service (and of the services using its port). An attached
  // set throws std::logic_error.
  SimpleExecutor& executor(const std::string& name);
  const SimpleExecutor& executor(const std::string& name) const;

  // Where the service's captured output is logged in full ($MIRAKURU_LOG_DIR, else
  // $TEST_UNDECLARED_OUTPUTS_DIR, else the working directory; unique per pid and shard).
  std::filesystem::path log_file(const std::string& name) const;

  // The endpoints of every service as JSON: {"NAME": {"port", "ports", "host", "url",
  // "tmpdir", "log_file", "order"}} ("port": null without one). A parent process publishes
  // this so that a forked/re-executed copy (a GoogleTest death test) can attach() to it.
  nlohmann::json endpoints() const;
  // A read-only view of services another process runs: port/host/url/tmpdir/log_file/names
  // work; start() and stop() do nothing (the owner starts and stops them); executor() throws
  // std::logic_error. Throws ConfigError when `endpoints` is not what endpoints() returns.
  static ServiceSet attach(const nlohmann::json& endpoints);
  bool attached() const;

  // Attaches to the set a keeper runs (`mirakuru up FILE`, see docs/guide.md "Sharing services
  // across test processes"): the same read-only view as attach(), built from the keeper's
  // endpoints, plus a lease — the keeper counts this process as attached until the set is
  // destroyed or the process ends (a crash releases it too). `config` is the file given to
  // `up` (any path to it); `state_dir` as `mirakuru --state-dir` (empty: $MIRAKURU_STATE_DIR,
  // else ${XDG_RUNTIME_DIR:-/tmp}/mirakuru-$UID). Blocks for one request to the keeper
  // (well under a millisecond when it is idle). Throws ConfigError when no keeper runs that set,
  // when the file changed since `up` (a stale keeper: run `mirakuru down` and `up` again), or
  // when the state directory is refused (owned by another user, group/world-writable).
  static ServiceSet attach_running(const std::filesystem::path& config,
                                   const std::filesystem::path& state_dir = {});
  // A set from attach_running(): what its keeper reported since the last call, one message
  // each — a service that exited by itself (also one dead before the attach), one that turned
  // unhealthy (its "health" checks, run by the keeper; once each time it turns), the keeper
  // stopping the set (`mirakuru down`...) and why, the keeper vanishing. Each is returned once.
  // Never blocks. Any other set, or a forked copy of the attaching process: always empty.
  std::vector<std::string> take_keeper_events();

  // Service names in start order (dependencies first; ties by name).
  std::vector<std::string> names() const;
  std::size_t size() const;

  struct Impl;

 private:
  explicit ServiceSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirakuru
