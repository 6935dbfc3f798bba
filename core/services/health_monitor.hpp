// The "health" checks of a service set: one thread for every service with "health", asleep until
// its next check is due (no polling loop), each service checked every `interval` after its
// previous check ended — so a set costs at most one check per service per interval, whatever
// the services do. One thread each, so that a check that hangs (a server that accepts and never
// answers holds an HTTP check up to its bound) delays no other service's checks.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mirakuru/probe.hpp"
#include "mirakuru/service_set.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru::detail {

class HealthMonitor {
 public:
  // One service to check. The probe and the executor must outlive the checks (until stop()).
  struct Target {
    std::string name;
    Probe* probe = nullptr;
    const SimpleExecutor* executor = nullptr;
    std::chrono::milliseconds interval{1000};
    int failures = 3;
  };

  HealthMonitor() = default;
  ~HealthMonitor();  // stop(); in a forked copy of the owner, the (absent) thread is left alone
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Starts checking `targets` (the first check of each one interval from now), forgetting what
  // earlier checks saw. Nothing runs without targets. Stops earlier checks first.
  void start(std::vector<Target> targets);
  // Asks the threads to end; a check in flight is cut short where its probe can be (a check
  // command is killed). Returns at once: join() waits.
  void request_stop() noexcept;
  // Waits for the threads to end (after request_stop(), or ends them). Never throws.
  void stop() noexcept;

  // What the checks of `name` saw; a service without checks: checked = false, healthy.
  ServiceHealth state(const std::string& name) const;

 private:
  struct Watched {
    Target target;
    ServiceHealth health;
    std::chrono::steady_clock::time_point due;
    pid_t pid = -1;  // the process the checks are about: a restart starts the count again
  };

  void run(std::size_t index);
  void check(Watched& watched, std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  // Guarded by mutex_; sized once in start() (the threads hold references into it). A check
  // runs unlocked; only its entry's thread writes the entry meanwhile.
  std::vector<Watched> watched_;
  std::vector<std::thread> threads_;  // one per entry of watched_
  pid_t owner_ = -1;                  // the process that started the threads
};

}  // namespace mirakuru::detail
