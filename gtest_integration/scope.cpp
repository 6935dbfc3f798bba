#include "scope.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <utility>

#include "death_test.hpp"
#include "keeper_attach.hpp"
#include "logs.hpp"
#include "mirakuru/cleanup.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"
#include "repeat.hpp"
#include "report.hpp"

namespace mirakuru::gtest::detail {
namespace {

// XML attribute names allow few characters; service names may hold more.
std::string property_key(const std::string& service, const char* what) {
  std::string key = "mirakuru." + service + "." + what;
  for (char& c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) c = '_';
  }
  return key;
}

ServiceLogs logs_of(const ServiceSet& set) {
  ServiceLogs logs;
  for (const auto& name : set.names()) {
    try {
      logs.emplace_back(name, set.log_file(name));
    } catch (const std::exception&) {
      // A service without a log file has nothing to point at.
    }
  }
  return logs;
}

std::string log_paths(const ServiceSet& set) {
  std::string out;
  for (const auto& [name, file] : logs_of(set)) out += "  " + name + ": " + file.string() + "\n";
  return out;
}

// The termination handler is stopping every service: their exits are its doing, not deaths.
// Returns the one message that says so (once per run), or "" when not interrupted.
std::string interruption(const std::string& when) {
  static std::atomic<bool> reported{false};
  const int sig = mirakuru::termination_signal();
  if (sig == 0 || reported.exchange(true)) return {};
  return "mirakuru: the run was interrupted by " + mirakuru::describe_signal(sig) + " " + when +
         ": the services are being stopped, and the runner then ends with that signal.\n";
}

// An error in one line of its fields: "service 'db': exited with code 1 after ...".
std::string headline(const ExecutorError& e) {
  return e.service().empty() ? e.cause() : "service '" + e.service() + "': " + e.cause();
}

}  // namespace

Scope::Scope(std::string key, Level level, std::string source, Factory factory)
    : key_(std::move(key)),
      level_(level),
      source_(std::move(source)),
      factory_(std::move(factory)) {}

Scope::Scope(std::string key, Level level, ServiceSet set)
    : key_(std::move(key)),
      level_(level),
      source_("a ServiceSet"),
      set_(std::make_unique<ServiceSet>(std::move(set))) {}

Scope::~Scope() {
  unwatch(this);
  // GoogleTest deletes environments during static destruction, possibly after the core's own
  // statics are gone: a set must not run its destructor then. Stopping happened in TearDown.
  if (level_ == Level::Environment) {
    immortalize(std::move(set_));
    immortalize(std::move(attached_));
  }
}

std::string Scope::set_up(std::string label) {
  label_ = std::move(label);
  error_.clear();
  cause_.clear();
  started_ = false;
  skipped_ = false;
  start_failed_ = false;
  attached_.reset();
  reported_.clear();
  daemonized_.clear();
  last_test_.clear();

  if (in_death_test_child()) {
    // The parent runs the services; starting a second copy here would race it for ports and
    // files, and stopping anything would kill the parent's. A set given to this copy (built by
    // the re-run main() or fixture) is released now: the child ends with _exit, and the set's
    // destructor is what removes the directories it made.
    set_.reset();
    if (auto endpoints = published(key_)) {
      try {
        attached_ = std::make_unique<ServiceSet>(ServiceSet::attach(*endpoints));
        started_ = true;
      } catch (const std::exception& e) {
        error_ = "cannot attach to the parent's services in this death-test child: " +
                 std::string(e.what());
      }
    } else {
      error_ = "this death-test child found no services published by its parent process (" +
               std::string(kEndpointsVariable) + " has no '" + key_ +
               "'); were they started in the parent?";
    }
    return {};  // only services() reports it: the child may not need the services at all
  }

  if (level_ == Level::Environment &&
      ::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    skipped_ = true;
    return {};
  }

  try {
    if (factory_) set_ = std::make_unique<ServiceSet>(factory_());
    if (!set_) throw std::logic_error("the ServiceSet given was released after the last TearDown");
    set_->start();
    started_ = true;
  } catch (const std::exception& e) {
    const auto* executor_error = dynamic_cast<const ExecutorError*>(&e);
    cause_ = executor_error ? headline(*executor_error) : e.what();
    error_ = "mirakuru: the services of " + label_ + " (from " + source_ + ") did not start:\n" +
             e.what();
  } catch (...) {
    cause_ = "unknown exception";
    error_ =
        "mirakuru: the services of " + label_ + " (from " + source_ + ") did not start: " + cause_;
  }
  if (!started_) {
    if (set_) {
      std::string paths = log_paths(*set_);
      if (!paths.empty()) error_ += "\nFull logs:\n" + paths;
      if (factory_) set_.reset();  // start() stopped what it had started
    }
    start_failed_ = true;
    // GoogleTest reports the tests of a failed global set-up as SKIPPED, which ctest (through
    // gtest_discover_tests' SKIP_REGULAR_EXPRESSION) counts as a success: the listener fails
    // each of them instead.
    if (level_ == Level::Environment) watch(this);
    return error_;
  }

  unhealthy_reported_.clear();  // the set's health counts start again with each start()
  for (const auto& name : set_->attached() ? std::vector<std::string>{} : set_->names()) {
    const SimpleExecutor& ex = std::as_const(*set_).executor(name);
    if (ex.pid() > 0 && !ex.running()) daemonized_.emplace(name, ex.pid());
  }

  try {
    record_properties();
    publish(key_, set_->endpoints());
  } catch (const std::exception& e) {
    error_ = "mirakuru: the services of " + label_ + " started, but publishing their endpoints " +
             "failed: " + e.what();
    std::string stop_error = stop_owned();
    started_ = false;
    return error_ + (stop_error.empty() ? "" : "\n" + stop_error);
  }
  if (level_ != Level::Test) watch(this);
  return {};
}

void await_termination_if_interrupted() {
  if (mirakuru::termination_signal() == 0) return;
  // The handler's thread re-raises the signal once every service is stopped; its own fallback
  // is _exit(), so this ends.
  for (;;) ::pause();
}

std::string Scope::tear_down(bool tests_failed) {
  await_termination_if_interrupted();
  unwatch(this);
  start_failed_ = false;
  if (attached_) {
    attached_.reset();
    started_ = false;
    return {};
  }
  if (!started_) {
    if (factory_ || (level_ == Level::Environment && last_environment_teardown())) set_.reset();
    return {};
  }
  // A death after the scope's last test has no test left to fail: it fails the tear-down, in
  // the same words, rather than surfacing only as stop()'s unexpected exit code (or not at
  // all, for an exit 0). A test's own set was checked by ServiceTest::TearDown already.
  std::string deaths;
  if (level_ != Level::Test) {
    for (const auto& message : take_deaths(between_tests({}))) deaths += message;
  }
  started_ = false;
  try {
    unpublish(key_);
  } catch (const std::exception&) {
    // A stale entry is ignored by children (they check the publisher's pid).
  }
  // The logs of a keeper's set (MIRAKURU_ATTACH) are the keeper's to keep.
  const ServiceLogs logs = set_->attached() ? ServiceLogs{} : logs_of(*set_);
  std::string stop_error = stop_owned();
  print(finish_logs(logs, tests_failed || !deaths.empty() || !stop_error.empty(), keep_logs(),
                    label_));
  if (deaths.empty()) return stop_error;
  if (deaths.back() == '\n') deaths.pop_back();
  return stop_error.empty() ? deaths : deaths + "\n" + stop_error;
}

std::string Scope::between_tests(const std::string& next) const {
  if (next.empty()) {
    return last_test_.empty()
               ? "after the services started, before they were stopped"
               : "after the last test, " + last_test_ + ", ended, before the services were stopped";
  }
  return last_test_.empty()
             ? "after the services started, before test " + next + " started"
             : "between two tests: after " + last_test_ + " ended, before " + next + " started";
}

std::string Scope::stop_owned() noexcept {
  std::string error;
  try {
    if (set_) set_->stop();
  } catch (const ExecutorError& e) {
    if (reported_dead(e.service())) {
      // Its death already failed a test; failing TearDown for the same exit says nothing new.
      print("[ mirakuru ] stopping the services of " + label_ + ": " + headline(e) +
            " (its death was reported above)\n");
    } else {
      error = "mirakuru: stopping the services of " + label_ + " failed:\n" + e.what();
    }
  } catch (const std::exception& e) {
    error = "mirakuru: stopping the services of " + label_ + " failed:\n" + e.what();
  } catch (...) {
    error = "mirakuru: stopping the services of " + label_ + " failed: unknown exception";
  }
  // Stopped by the termination handler (which the tests were told about): no failure of stop().
  if (mirakuru::termination_signal() != 0) error.clear();
  // Destroyed now, while the core is surely alive (its destructor also removes the set's
  // directories); a given set is kept while another SetUp may follow.
  if (factory_ || (level_ == Level::Environment && last_environment_teardown())) set_.reset();
  return error;
}

bool Scope::reported_dead(const std::string& service) const {
  return std::any_of(reported_.begin(), reported_.end(),
                     [&](const auto& dead) { return !service.empty() && dead.first == service; });
}

ServiceSet& Scope::services() {
  if (attached_) return *attached_;
  if (started_ && set_) return *set_;
  std::string why;
  if (skipped_) {
    why = "nothing was started: no test of this run (shard, --gtest_filter) needed them";
  } else if (!error_.empty()) {
    why = error_;
  } else if (level_ == Level::Test && label_.empty()) {
    why =
        "ServiceTest::SetUp() was not called; a fixture that overrides SetUp() must call "
        "ServiceTest::SetUp() first (and ServiceTest::TearDown() last in TearDown())";
  } else {
    why = "they run only between the scope's SetUp and TearDown";
  }
  throw std::logic_error("mirakuru::gtest: the services of " + (label_.empty() ? source_ : label_) +
                         " are not set up: " + why);
}

void Scope::record_properties() {
  for (const auto& name : set_->names()) {
    try {
      ::testing::Test::RecordProperty(property_key(name, "port"), set_->port(name));
    } catch (const std::exception&) {
      // No port configured for this service.
    }
    try {
      ::testing::Test::RecordProperty(property_key(name, "log"), set_->log_file(name).string());
    } catch (const std::exception&) {
      // No log file for this service.
    }
  }
}

std::vector<std::string> Scope::take_deaths(const std::string& when) {
  std::vector<std::string> deaths;
  if (!started_ || !set_ || attached_) return deaths;
  if (set_->attached()) return keeper_deaths(when);  // MIRAKURU_ATTACH: the keeper reports them
  if (mirakuru::termination_signal() != 0) {
    std::string message = interruption(when);
    if (!message.empty()) deaths.push_back(std::move(message));
    return deaths;
  }
  for (const auto& name : set_->names()) {
    const SimpleExecutor& ex = std::as_const(*set_).executor(name);
    pid_t pid = ex.pid();
    // stop()/kill() reset pid() to -1: only a process that ended by itself is reported.
    if (pid <= 0 || ex.running() || daemonized_.count({name, pid}) != 0) continue;
    if (!reported_.emplace(name, pid).second) continue;
    auto rc = ex.returncode();
    std::string msg = "mirakuru: service '" + name + "' of ";
    msg += label_;
    msg += " (pid " + std::to_string(pid) + ") ";
    msg += rc ? mirakuru::describe_returncode(*rc) : std::string("is no longer running");
    msg += " " + when + ".\n";
    std::size_t lines = log_tail_lines() > 0 ? log_tail_lines() : 20;
    std::string out = tail(ex.output(), lines, "    ");
    std::string err = tail(ex.err_output(), lines, "    ");
    if (!out.empty()) msg += "  stdout (last lines):\n" + out;
    if (!err.empty()) msg += "  stderr (last lines):\n" + err;
    if (out.empty() && err.empty()) msg += "  (it wrote no output)\n";
    try {
      msg += "  full log: " + set_->log_file(name).string() + "\n";
    } catch (const std::exception&) {
      // No log file configured.
    }
    deaths.push_back(std::move(msg));
  }
  for (auto& message : take_unhealthy(when)) deaths.push_back(std::move(message));
  return deaths;
}

std::vector<std::string> Scope::take_unhealthy(const std::string& when) {
  std::vector<std::string> reports;
  for (const auto& name : set_->names()) {
    const ServiceHealth health = set_->health(name);
    std::size_t& reported = unhealthy_reported_[name];
    if (health.turned_unhealthy <= reported) continue;
    reported = health.turned_unhealthy;  // each time it turned unhealthy is reported once
    const SimpleExecutor& ex = std::as_const(*set_).executor(name);
    if (!ex.running()) continue;  // its death is what take_deaths() reports
    std::string msg = "mirakuru: service '" + name + "' of " + label_;
    msg += " (pid " + std::to_string(ex.pid()) + ") became unhealthy " + when + ": ";
    msg += describe_health_change(health) + ".\n";
    std::size_t lines = log_tail_lines() > 0 ? log_tail_lines() : 20;
    std::string out = tail(ex.output(), lines, "    ");
    std::string err = tail(ex.err_output(), lines, "    ");
    if (!out.empty()) msg += "  stdout (last lines):\n" + out;
    if (!err.empty()) msg += "  stderr (last lines):\n" + err;
    try {
      msg += "  full log: " + set_->log_file(name).string() + "\n";
    } catch (const std::exception&) {
      // No log file configured.
    }
    reports.push_back(std::move(msg));
  }
  return reports;
}

std::vector<std::string> Scope::keeper_deaths(const std::string& when) {
  std::vector<std::string> deaths;
  for (const auto& event : set_->take_keeper_events()) {
    deaths.push_back("mirakuru: " + event + "\n  (services of " + label_ + ", noticed " + when +
                     ")\n");
  }
  return deaths;
}

std::string Scope::log_tails(std::size_t lines) const {
  if (!started_ || !set_ || attached_) return {};
  if (set_->attached()) return attached_log_tails(*set_, label_, lines);
  std::string out;
  for (const auto& name : set_->names()) {
    std::filesystem::path log;
    try {
      log = set_->log_file(name);
    } catch (const std::exception&) {
      // Fall back to the captured output below.
    }
    const SimpleExecutor& ex = set_->executor(name);
    std::string state = ex.running() ? "running" : "not running";
    out += "[ mirakuru ] service '" + name + "' of ";
    out += label_ + " (" + state + ")";
    out += log.empty() ? std::string("\n") : ", log " + log.string() + "\n";
    if (lines == 0) continue;
    std::string text = log.empty() ? std::string() : file_tail(log, lines, "    ");
    if (text.empty()) text = tail(ex.output() + ex.err_output(), lines, "    ");
    out += text.empty() ? "    (no output)\n" : text;
  }
  return out;
}

}  // namespace mirakuru::gtest::detail
