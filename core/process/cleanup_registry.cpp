#include "process/cleanup_registry.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "process/log.hpp"

namespace mirakuru::detail {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::uint64_t id;
  pid_t owner;
  fs::path dir;
  std::vector<fs::path> kept;
};

// Leaked on purpose, like the process registry's: a forked child replaces both (the parent's
// mutex may be held by a thread that does not exist in the child, and the parent's directories
// are not the child's to remove).
std::mutex* g_mutex = new std::mutex;                    // NOLINT
std::vector<Entry>* g_entries = new std::vector<Entry>;  // NOLINT
std::atomic<std::uint64_t> g_next_id{1};
std::atomic<bool> g_frozen{false};
std::once_flag g_atfork_once;

void install_atfork() {
  std::call_once(g_atfork_once, [] {
    ::pthread_atfork(nullptr, nullptr, [] {
      g_mutex = new std::mutex;            // NOLINT
      g_entries = new std::vector<Entry>;  // NOLINT
      g_frozen.store(false);
    });
  });
}

// Comparable by components: absolute, normalized, and without the empty last component a
// trailing '/' leaves ("/tmp/x/" would otherwise not contain "/tmp/x/a").
fs::path comparable(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) p = path.lexically_normal();
  if (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  return p;
}

// `inner` is `outer` itself or lies below it (both comparable()).
bool is_within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// The owner may remove the same directory at the same moment (a destructor racing the
// handler): a path that vanished under us is removed, not an error.
void remove_quietly(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    logger()->warn("could not remove {}: {}", path.string(), ec.message());
  }
}

void remove_except(const fs::path& dir, const std::vector<fs::path>& kept) {
  if (std::any_of(kept.begin(), kept.end(), [&](const fs::path& k) { return is_within(dir, k); })) {
    return;
  }
  if (std::none_of(kept.begin(), kept.end(),
                   [&](const fs::path& k) { return is_within(k, dir); })) {
    remove_quietly(dir);
    return;
  }
  // Something below is kept: remove the rest, entry by entry; the directory itself stays.
  std::error_code ec;
  std::vector<fs::path> children;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    children.push_back(it->path());
  }
  for (const fs::path& child : children) remove_except(child, kept);
}

}  // namespace

CleanupRegistration::CleanupRegistration(const std::filesystem::path& dir) {
  install_atfork();
  id_ = g_next_id.fetch_add(1);
  Entry entry{id_, ::getpid(), comparable(dir), {}};
  std::lock_guard<std::mutex> lock(*g_mutex);
  g_entries->push_back(std::move(entry));
}

CleanupRegistration::~CleanupRegistration() {
  if (id_ == 0) return;
  std::lock_guard<std::mutex> lock(*g_mutex);
  auto& entries = *g_entries;
  entries.erase(
      std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id_; }),
      entries.end());
}

CleanupRegistration::CleanupRegistration(CleanupRegistration&& other) noexcept
    : id_(std::exchange(other.id_, 0)) {}

CleanupRegistration& CleanupRegistration::operator=(CleanupRegistration&& other) noexcept {
  if (this != &other) {
    CleanupRegistration dropped(std::move(*this));  // unregisters what this held
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void CleanupRegistration::keep(std::vector<std::filesystem::path> paths) {
  if (id_ == 0) return;
  for (auto& p : paths) p = comparable(p);
  std::lock_guard<std::mutex> lock(*g_mutex);
  if (g_frozen.load()) return;
  auto& entries = *g_entries;
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id_; });
  if (it != entries.end()) it->kept = std::move(paths);
}

void freeze_cleanups() { g_frozen.store(true); }

std::size_t run_cleanups() noexcept {
  install_atfork();
  const pid_t self = ::getpid();
  std::size_t handled = 0;
  try {
    // Held while removing: once a registration's destructor returns, its directory is never
    // touched again.
    std::lock_guard<std::mutex> lock(*g_mutex);
    auto& entries = *g_entries;
    for (const Entry& e : entries) {
      if (e.owner != self) continue;
      remove_except(e.dir, e.kept);
      for (const fs::path& k : e.kept) {
        logger()->warn("keeping {} for inspection", k.string());
      }
      ++handled;
    }
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.owner == self; }),
                  entries.end());
  } catch (const std::exception& e) {
    logger()->error("removing temporary directories at termination: {}", e.what());
  }
  return handled;
}

}  // namespace mirakuru::detail
