// Host name lookups on worker threads that callers can stop waiting for.
#include "executors/name_lookup.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "executors/messages.hpp"
#include "process/fork_local.hpp"

namespace mirakuru::detail {

namespace {

using Clock = std::chrono::steady_clock;

// An answer whose caller never came back (its probe was destroyed, start() gave up) is dropped
// after this long, so a later probe for the same name does not get a stale one.
constexpr std::chrono::seconds kUncollected{5};

struct Lookup {
  std::mutex mutex;
  std::condition_variable finished_cv;
  const Clock::time_point started = Clock::now();
  bool finished = false;
  Clock::time_point finished_at;
  bool ok = false;
  std::vector<Endpoint> endpoints;
  std::string error;
};

// The lookups under way or answered and not yet collected, by "name:port".
struct Table {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Lookup>> lookups;
  std::atomic<std::size_t> in_flight{0};  // worker threads still running
};

bool system_resolver(const std::string& name, int port, std::vector<Endpoint>& out,
                     std::string& error) {
  return getaddrinfo_tcp(name, port, 0, out, error) == 0;
}

std::atomic<BlockingResolver> g_resolver{nullptr};
// Per process (never deleted: worker threads may still run during static destruction). A forked
// child gets a fresh table: the parent's workers do not exist there, so their lookups would never
// finish.
ForkLocal<Table> g_table;

void finish(Lookup& lookup, bool ok, std::vector<Endpoint> endpoints, std::string error) {
  {
    std::lock_guard<std::mutex> lock(lookup.mutex);
    lookup.finished = true;
    lookup.finished_at = Clock::now();
    lookup.ok = ok;
    lookup.endpoints = std::move(endpoints);
    lookup.error = std::move(error);
  }
  lookup.finished_cv.notify_all();
}

std::shared_ptr<Lookup> start_lookup(Table& table, const std::string& name, int port) {
  auto lookup = std::make_shared<Lookup>();
  BlockingResolver resolve = g_resolver.load();
  if (resolve == nullptr) resolve = system_resolver;
  // The worker blocks every signal: a handler of the user's must never run on a thread that may
  // be stuck in a resolver for seconds. (It inherits the mask it was created with.)
  sigset_t all, previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  ++table.in_flight;
  try {
    std::thread([mine = lookup, name, port, resolve, &table]() mutable {
      try {
        std::vector<Endpoint> endpoints;
        std::string error;
        bool ok = resolve(name, port, endpoints, error);
        finish(*mine, ok, std::move(endpoints), std::move(error));
      } catch (const std::exception& e) {
        finish(*mine, false, {}, "cannot resolve " + name + ": " + e.what());
      }
      mine.reset();  // before the count drops: once it is 0, this thread holds nothing
      --table.in_flight;
    }).detach();
  } catch (const std::exception& e) {
    --table.in_flight;
    finish(*lookup, false, {},
           "cannot resolve " + name + ": no thread for the lookup (" + e.what() + ")");
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return lookup;
}

}  // namespace

bool lookup_bounded(const std::string& name, int port, std::vector<Endpoint>& out,
                    std::string& error, Clock::time_point deadline) {
  out.clear();
  const std::string key = host_port(name, port);
  std::shared_ptr<Lookup> lookup;
  {
    Table& t = g_table.get();
    std::lock_guard<std::mutex> lock(t.mutex);
    const auto now = Clock::now();
    for (auto it = t.lookups.begin(); it != t.lookups.end();) {
      std::lock_guard<std::mutex> entry_lock(it->second->mutex);
      const bool stale = it->second->finished && now - it->second->finished_at > kUncollected;
      it = stale ? t.lookups.erase(it) : std::next(it);
    }
    auto& slot = t.lookups[key];
    if (!slot) slot = start_lookup(t, name, port);
    lookup = slot;
  }

  const auto now = Clock::now();
  const auto until = deadline - now < kLookupWait ? deadline : now + kLookupWait;
  {
    std::unique_lock<std::mutex> lock(lookup->mutex);
    if (!lookup->finished_cv.wait_until(lock, until, [&] { return lookup->finished; })) {
      error = "resolving " + name + " took longer than " +
              format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
                  Clock::now() - lookup->started)) +
              " (the lookup goes on; the next check asks again)";
      return false;
    }
    if (lookup->ok && !lookup->endpoints.empty()) {
      out = lookup->endpoints;
    } else {
      error = lookup->error.empty() ? "cannot resolve " + name + ": no TCP address" : lookup->error;
    }
  }
  // Collected: the next call for this name asks the resolver again (the name may point elsewhere
  // by then).
  {
    Table& t = g_table.get();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.lookups.find(key);
    if (it != t.lookups.end() && it->second == lookup) t.lookups.erase(it);
  }
  return !out.empty();
}

BlockingResolver set_blocking_resolver(BlockingResolver resolver) {
  return g_resolver.exchange(resolver);
}

std::size_t lookups_in_flight() { return g_table.get().in_flight.load(); }

}  // namespace mirakuru::detail
