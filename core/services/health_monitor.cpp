#include "services/health_monitor.hpp"

#include <unistd.h>

#include <algorithm>

#include "executors/messages.hpp"
#include "process/log.hpp"

namespace mirakuru::detail {

namespace {

using Clock = std::chrono::steady_clock;

// How long one check may take: at least this long whatever the interval (a loaded machine must
// not make a healthy service flap), at most kMaxCheck (a server that accepts and never answers
// is called unhealthy in failures x kMaxCheck at worst; other services are checked meanwhile).
constexpr std::chrono::milliseconds kMinCheck{1000};
constexpr std::chrono::milliseconds kMaxCheck{10'000};

}  // namespace

HealthMonitor::~HealthMonitor() {
  if (!threads_.empty() && owner_ != ::getpid()) {
    // A forked copy of the owner: the threads do not exist here, and joining them would hang
    // (destroying a joinable std::thread would terminate).
    new std::vector<std::thread>(std::move(threads_));  // NOLINT: leaked on purpose
    return;
  }
  stop();
}

void HealthMonitor::start(std::vector<Target> targets) {
  stop();
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  watched_.clear();
  for (auto& target : targets) {
    Watched w;
    w.health.checked = true;
    w.health.check = target.probe->describe();
    w.due = now + target.interval;
    w.pid = target.executor->pid();
    // A check command that runs when the set stops is killed rather than waited for.
    target.probe->set_interrupt([this] { return stopping_.load(); });
    w.target = std::move(target);
    watched_.push_back(std::move(w));
  }
  stopping_ = false;
  owner_ = ::getpid();
  threads_.reserve(watched_.size());
  for (std::size_t i = 0; i < watched_.size(); ++i) threads_.emplace_back([this, i] { run(i); });
}

void HealthMonitor::request_stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void HealthMonitor::stop() noexcept {
  if (threads_.empty() || owner_ != ::getpid()) return;
  request_stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

ServiceHealth HealthMonitor::state(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& w : watched_) {
    if (w.target.name == name) return w.health;
  }
  return {};
}

void HealthMonitor::run(std::size_t index) {
  std::unique_lock lock(mutex_);
  Watched& w = watched_[index];
  while (!stopping_) {
    if (Clock::now() < w.due) {
      wake_.wait_until(lock, w.due, [&] { return stopping_.load(); });
      continue;
    }
    check(w, lock);
  }
}

void HealthMonitor::check(Watched& w, std::unique_lock<std::mutex>& lock) {
  const Target& target = w.target;
  const pid_t pid = target.executor->pid();
  if (pid != w.pid || !target.executor->running()) {
    // Stopped, or dead (reported as a death, not as ill health), or a new process (restarted
    // through stopped()): checks of the new process start one interval from now.
    if (pid != w.pid) {
      w.pid = pid;
      w.health.failures_in_a_row = 0;
      w.health.healthy = true;
    }
    w.due = Clock::now() + target.interval;
    return;
  }
  Probe& probe = *target.probe;
  const auto bound = std::clamp<std::chrono::milliseconds>(target.interval, kMinCheck, kMaxCheck);
  lock.unlock();
  // Each check is a fresh readiness check (a composite asks every part, an HTTP probe sends its
  // request at once).
  probe.reset();
  probe.set_deadline(Clock::now() + bound);
  ProbeResult result;
  try {
    result = probe.check();
  } catch (const std::exception& e) {
    result = ProbeResult::not_yet(std::string("the check threw: ") + e.what());
  }
  lock.lock();
  if (stopping_) return;  // cut short by stop(): says nothing about the service

  ServiceHealth& h = w.health;
  ++h.checks;
  const bool ok = result.is_ready();
  h.last_result = !result.detail.empty() ? result.detail : ok ? "passed" : "failed";
  if (ok) {
    if (!h.healthy) logger()->warn("service '{}' is healthy again ({})", target.name, h.check);
    h.failures_in_a_row = 0;
    h.healthy = true;
  } else if (++h.failures_in_a_row >= target.failures && h.healthy) {
    h.healthy = false;
    ++h.turned_unhealthy;
    logger()->warn("service '{}' is unhealthy: {} health check(s) in a row failed ({}); last: {}",
                   target.name, h.failures_in_a_row, h.check, h.last_result);
  }
  w.due = Clock::now() + target.interval;
}

}  // namespace mirakuru::detail
