// One set of services bound to a GoogleTest scope (the run, a test suite, a test): builds the
// set when the scope is set up, starts it — or, in a death-test child, attaches to the
// parent's — and turns every exception into a message for a GoogleTest failure.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mirakuru/gtest.hpp"

namespace mirakuru::gtest::detail {

enum class Level { Environment, Suite, Test };

class Scope {
 public:
  using Factory = std::function<ServiceSet()>;

  // `key` names the scope in the published endpoints (stable across a death-test re-exec);
  // `source` says where the config comes from, for messages. `factory` runs at each set_up.
  Scope(std::string key, Level level, std::string source, Factory factory);
  // A ready set, reused by every set_up.
  Scope(std::string key, Level level, ServiceSet set);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // Builds and starts the set (or attaches in a death-test child), records the properties and
  // publishes the endpoints. Returns "" or the error message. Never throws.
  std::string set_up(std::string label);
  // Stops the set (nothing in a death-test child) and removes or keeps its logs (logs.hpp):
  // `tests_failed` says whether a test of the scope failed. Returns "" or the error. Never
  // throws.
  std::string tear_down(bool tests_failed);

  // Throws std::logic_error (saying why) when no set is usable.
  ServiceSet& services();

  bool started() const { return started_; }
  // The last set_up failed to start the services (not: skipped, attached, torn down).
  bool start_failed() const { return start_failed_; }
  const std::string& error() const { return error_; }
  // What made the last set_up fail, without the label and the output: "service 'db': exited
  // with code 1 after 12 ms, before it was ready (...)" (from the error's fields).
  const std::string& cause() const { return cause_; }
  const std::string& label() const { return label_; }

  // Services that exited by themselves since the last call, as failure messages (`when` says
  // where the run was, e.g. "during test A.B"). Each death is reported once. A service whose
  // process had already exited 0 when start() returned daemonized: it is not reported.
  // Services that turned unhealthy ("health" in the JSON) are reported the same way, once each
  // time they turn unhealthy, with what the last check saw.
  std::vector<std::string> take_deaths(const std::string& when);
  // Where the run is outside a test, for take_deaths(): "between two tests: after A.B ended,
  // before C.D started"; `next` is the test about to start ("": the scope is being torn down).
  std::string between_tests(const std::string& next) const;
  // The listener tells the scope which test ended last while its services ran.
  void test_ended(std::string name) { last_test_ = std::move(name); }
  // The last `lines` lines of each service's log, with its path ("" when not started here).
  std::string log_tails(std::size_t lines) const;

 private:
  void record_properties();
  std::string stop_owned() noexcept;
  bool reported_dead(const std::string& service) const;
  // take_deaths() of a set attached to a keeper (MIRAKURU_ATTACH): what the keeper reported.
  std::vector<std::string> keeper_deaths(const std::string& when);
  // The unhealthy part of take_deaths().
  std::vector<std::string> take_unhealthy(const std::string& when);

  std::string key_;
  Level level_;
  std::string source_;
  Factory factory_;                       // empty: set_ was given and is reused
  std::unique_ptr<ServiceSet> set_;       // the owned set (null between runs when built)
  std::unique_ptr<ServiceSet> attached_;  // death-test child: the parent's endpoints
  std::string label_;
  std::string error_;
  std::string cause_;
  bool started_ = false;
  bool skipped_ = false;  // nothing to run in this shard
  bool start_failed_ = false;
  std::set<std::pair<std::string, pid_t>> reported_;
  // Processes that exited 0 inside start() (daemonized, like pg_ctl start): their exit is the
  // normal end of a launcher, not a service dying.
  std::set<std::pair<std::string, pid_t>> daemonized_;
  std::string last_test_;  // "" until a test ends after set_up
  // Per service: ServiceHealth::turned_unhealthy already reported.
  std::map<std::string, std::size_t> unhealthy_reported_;
};

// Scopes whose services run right now, for the test listener (environments and suites), and
// environments whose services failed to start (until their TearDown).
void watch(Scope* scope);
void unwatch(Scope* scope);
std::vector<Scope*> watched();

// When the termination handler is stopping the services (mirakuru::termination_signal() is
// set), does not return: it waits for the handler to end the runner with the signal, so
// that no further test runs against stopped services and main() cannot return its own status
// first. Returns at once when no termination is under way.
void await_termination_if_interrupted();

// Keeps `set` alive until the process ends, without running its destructor: used by
// destructors that may run during static destruction, when the core may already be gone.
void immortalize(std::unique_ptr<ServiceSet> set);

}  // namespace mirakuru::gtest::detail
