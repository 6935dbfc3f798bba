// ServiceSet start/stop: dependencies first, independent services in parallel threads, so a set
// starts in the time of its longest dependency chain; stop in reverse, also in parallel.
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <string>
#include <thread>
#include <utility>

#include "executors/line_regex.hpp"
#include "executors/messages.hpp"
#include "executors/retry.hpp"
#include "mirakuru/errors.hpp"
#include "process/log.hpp"
#include "process/timeline.hpp"
#include "services/critical_chain.hpp"
#include "services/scratch.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru {

namespace detail {

namespace {

enum class Phase { Pending, Starting, Started, Failed, Skipped };

bool has_auto_ports(const ServiceSpec& s) {
  if (s.port && s.port->automatic) return true;
  return std::any_of(s.ports.begin(), s.ports.end(),
                     [](const auto& p) { return p.second.automatic; });
}

// A service on an auto port lost it after all (AlreadyRunning before spawning, or it died
// complaining about its bind()).
bool lost_its_port(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const AlreadyRunning&) {
    return true;
  } catch (const ProcessExitedWithError& e) {
    // What the service printed, not the library's words about it: matched with the output
    // engine (RE2, linear time), as any service output.
    static const detail::LineRegex in_use("(?i)address already in use|eaddrinuse|port is already",
                                          "port-in-use");
    // The tail's headers name the command, whose words are not the service's.
    std::string printed = e.output_tail();
    for (const char* stream : {"stdout", "stderr"}) {
      const std::string header = detail::output_tail_header(stream, e.command());
      const auto at = printed.find(header);
      if (at != std::string::npos) printed.erase(at, header.size());
    }
    return in_use.search(printed);
  } catch (...) {
    return false;
  }
}

class Starter {
 public:
  explicit Starter(ServiceSet::Impl& impl)
      : impl_(impl), n_(impl.spec.services.size()), phase_(n_, Phase::Pending), timings_(n_) {}

  // Returns the failing service's index and error, or n_ when everything started.
  std::pair<std::size_t, std::exception_ptr> run() {
    timeline::TrackScope track("set");
    timeline::Span span("set", "start");
    for (std::size_t i = 0; i < n_; ++i) {
      if (!impl_.services[i].resolved.executor->running()) continue;
      phase_[i] = Phase::Started;
      timings_[i].began = timings_[i].ready = std::chrono::steady_clock::now();
    }
    std::vector<std::thread> threads;
    for (std::size_t i : impl_.graph.order) {
      if (phase_[i] == Phase::Pending) threads.emplace_back([this, i] { start_one(i); });
    }
    {
      std::unique_lock lock(mutex_);
      while (finished_ < threads.size()) {
        if (abort_) {
          // Services still waiting for readiness would hold the failure report up to their own
          // timeout: interrupt them so their start() returns at once. Repeated because one may
          // not have entered its start() yet.
          kill_in_flight();
          changed_.wait_for(lock, std::chrono::milliseconds(20));
        } else {
          changed_.wait(lock);
        }
      }
    }
    for (auto& t : threads) t.join();
    if (span.active() && !error_) {
      std::vector<std::string> names;
      for (const auto& s : impl_.spec.services) names.push_back(s.name);
      span.arg("critical_chain", critical_chain(names, impl_.graph, timings_));
      span.arg("services", static_cast<std::int64_t>(n_));
    }
    if (error_) span.arg("outcome", "failed");
    return {failed_, error_};
  }

 private:
  void start_one(std::size_t i) {
    timeline::TrackScope track(impl_.spec.services[i].name);
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] {
        if (abort_) return true;
        return std::all_of(impl_.graph.deps[i].begin(), impl_.graph.deps[i].end(),
                           [&](std::size_t d) { return phase_[d] == Phase::Started; });
      });
      phase_[i] = abort_ ? Phase::Skipped : Phase::Starting;
      if (abort_) return finish();
      timings_[i].began = std::chrono::steady_clock::now();
    }
    std::exception_ptr error;
    try {
      prepare(i);
      run_setup(impl_.services[i].resolved);
      start_executor(i);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    timings_[i].ready = std::chrono::steady_clock::now();
    phase_[i] = error ? Phase::Failed : Phase::Started;
    if (error && !abort_) {
      abort_ = true;
      error_ = error;
      failed_ = i;
    }
    finish();
  }

  void finish() {
    ++finished_;
    changed_.notify_all();
  }

  void prepare(std::size_t i) {
    // The termination handler may have stopped everything already: nothing new starts then.
    if (cleanups_frozen()) throw std::runtime_error("not started: the runner is being interrupted");
    try {
      make_private_directories(impl_.services[i].resolved.options.log_file.parent_path());
    } catch (const std::system_error&) {
      // Opening the log file then says what is wrong, with the path.
    }
  }

  // One loop for every retry of a service: "retries" (each attempt a fresh process and, on an
  // auto port, a fresh port when no service using the old one has started), and the retry a
  // service on an auto port gets even without "retries" when it finds its port taken.
  void start_executor(std::size_t i) {
    const bool auto_ports = has_auto_ports(impl_.spec.services[i]);
    const int retries = impl_.spec.services[i].options.retries;
    Attempts attempts;
    for (;;) {
      SimpleExecutor* executor = nullptr;
      std::string where;
      {
        std::lock_guard lock(impl_.mutex);
        executor = impl_.services[i].resolved.executor.get();
        const auto& port = impl_.services[i].endpoint.port;
        if (auto_ports && port) where = "on port " + std::to_string(*port);
      }
      const auto began = std::chrono::steady_clock::now();
      try {
        executor->start();
        return;
      } catch (...) {
        const std::exception_ptr error = std::current_exception();
        attempts.failed(error, std::chrono::steady_clock::now() - began, where);
        const bool lost_port = auto_ports && lost_its_port(error);
        const bool allowed = attempts.size() <= static_cast<std::size_t>(retries) ||
                             (lost_port && attempts.size() == 1);
        if (!allowed || !worth_retrying(error) || aborted()) attempts.rethrow_last();
        // A new port if it can still change; a port that was taken cannot be used again.
        if (auto_ports && !move_to_new_port(i) && lost_port) attempts.rethrow_last();
        logger()->warn("service '{}': attempt {} of {} failed, retrying{}",
                       impl_.spec.services[i].name, attempts.size(),
                       std::max(retries + 1, static_cast<int>(attempts.size()) + 1),
                       auto_ports ? " on a new port" : "");
      }
      if (!pause(impl_.spec.services[i].options.retry_delay)) attempts.rethrow_last();
    }
  }

  bool aborted() {
    std::lock_guard lock(mutex_);
    return abort_;
  }

  // Waits `delay` between attempts; false when another service failed meanwhile.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, delay, [&] { return abort_; });
  }

  // Only while no service that already used this service's port has started.
  bool move_to_new_port(std::size_t i) {
    std::lock_guard lock(mutex_);
    if (abort_) return false;
    std::vector<std::size_t> users;
    for (std::size_t j = 0; j < n_; ++j) {
      if (j == i || !impl_.services[j].resolved.referenced.count(i)) continue;
      if (phase_[j] != Phase::Pending) return false;
      users.push_back(j);
    }
    std::lock_guard endpoints_lock(impl_.mutex);
    const auto old_port = impl_.services[i].endpoint.port;
    reassign_auto_ports(impl_, i, users);
    logger()->warn("service '{}': moving from port {} to {}", impl_.spec.services[i].name,
                   old_port ? *old_port : 0,
                   impl_.services[i].endpoint.port ? *impl_.services[i].endpoint.port : 0);
    return true;
  }

  void kill_in_flight() {
    std::lock_guard lock(impl_.mutex);  // retry_on_new_port() may replace an executor
    for (std::size_t i = 0; i < n_; ++i) {
      if (phase_[i] == Phase::Starting) impl_.services[i].resolved.executor->interrupt_start();
    }
  }

  ServiceSet::Impl& impl_;
  std::size_t n_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Phase> phase_;
  std::vector<ServiceTiming> timings_;  // for the critical chain
  std::size_t finished_ = 0;
  bool abort_ = false;
  std::size_t failed_ = static_cast<std::size_t>(-1);
  std::exception_ptr error_;
};

}  // namespace

// The services with "health", checked from now on.
void start_health_checks(ServiceSet::Impl& impl) {
  std::vector<HealthMonitor::Target> targets;
  for (std::size_t i = 0; i < impl.services.size(); ++i) {
    const ResolvedService& service = impl.services[i].resolved;
    if (!service.health) continue;
    const HealthSpec& spec = impl.spec.services[i].health;
    targets.push_back({impl.spec.services[i].name, service.health.get(), service.executor.get(),
                       spec.interval, spec.failures});
  }
  impl.health.start(std::move(targets));
}

void start_services(ServiceSet::Impl& impl) {
  if (impl.attached) return;
  impl.health.stop();  // a port retry may rebuild what the checks use
  for (auto& service : impl.services) service.failed = false;  // a new attempt: clean up again
  auto [failed, error] = Starter(impl).run();
  if (!error) return start_health_checks(impl);
  impl.services[failed].failed = true;
  // Siblings interrupted while starting may have just become ready: their stop() then reports
  // the SIGKILL, which is not a failure of theirs.
  stop_services(impl, /*rethrow=*/false, /*mark_failures=*/false);
  const std::string& name = impl.spec.services[failed].name;
  const std::string note = tmpdir_note(impl, failed);
  // The exception carries all of it (a CLI or test that prints it would show it twice): the
  // log line is for debug traces.
  logger()->debug("service '{}' failed to start; {}", name, note);
  rethrow_for_service(error, name, note);
}

void stop_services(ServiceSet::Impl& impl, bool rethrow, bool mark_failures) {
  if (impl.attached || impl.owner != ::getpid()) return;
  // Checks end now (what they would see while the services stop means nothing); the thread is
  // joined once the services are down, which also ends a request a stopping server left open.
  impl.health.request_stop();
  struct JoinChecks {
    HealthMonitor& health;
    ~JoinChecks() { health.stop(); }
  } join_checks{impl.health};
  const std::size_t n = impl.services.size();
  std::vector<bool> to_stop(n);
  for (std::size_t i = 0; i < n; ++i) {
    // A set whose construction failed half-way has services without an executor.
    const auto& executor = impl.services[i].resolved.executor;
    to_stop[i] = executor && executor->pid() != -1;
  }
  if (std::none_of(to_stop.begin(), to_stop.end(), [](bool b) { return b; })) return;
  timeline::Span span("set", "stop");

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<bool> done(n, false);
  std::vector<std::exception_ptr> errors(n);
  auto stop_one = [&](std::size_t i) {
    {
      // Dependents first: wait until every service that needs this one has stopped.
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] {
        return std::all_of(impl.graph.dependents[i].begin(), impl.graph.dependents[i].end(),
                           [&](std::size_t d) { return !to_stop[d] || done[d]; });
      });
    }
    timeline::TrackScope track(impl.spec.services[i].name);
    try {
      impl.services[i].resolved.executor->stop();
    } catch (...) {
      errors[i] = std::current_exception();
    }
    std::lock_guard lock(mutex);
    done[i] = true;
    changed.notify_all();
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    if (to_stop[i]) threads.emplace_back(stop_one, i);
  }
  for (auto& t : threads) t.join();

  std::size_t first_error = n;
  for (std::size_t k = n; k-- > 0;) {  // reverse start order: the first service stopped
    const std::size_t i = impl.graph.order[k];
    if (errors[i] && first_error == n) first_error = i;
    if (errors[i] && mark_failures) impl.services[i].failed = true;
  }
  if (first_error == n) return;
  const std::string& name = impl.spec.services[first_error].name;
  if (!rethrow) {
    try {
      std::rethrow_exception(errors[first_error]);
    } catch (const std::exception& e) {
      logger()->warn("service '{}' did not stop cleanly: {}", name, e.what());
    }
    return;
  }
  rethrow_for_service(errors[first_error], name, tmpdir_note(impl, first_error));
}

}  // namespace detail

ServiceSet::Impl::~Impl() {                     // NOLINT(bugprone-exception-escape)
  if (attached || owner != ::getpid()) return;  // a forked copy never cleans up the parent's
  try {
    detail::stop_services(*this, /*rethrow=*/false);
  } catch (const std::exception& e) {
    detail::logger()->error("stopping the service set: {}", e.what());
  }
  health.stop();
  // The executors kill whatever is left before the directories go.
  for (auto& service : services) service.resolved = {};
  detail::release_tmpdirs(*this);
}

}  // namespace mirakuru
