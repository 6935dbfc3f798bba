#include "process/termination_dirs.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "process/fork_local.hpp"
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

struct Table {
  std::mutex mutex;
  std::vector<Entry> entries;
  std::atomic<bool> frozen{false};
};

// Per process: the parent's directories are not a forked child's to remove, nor is its
// termination the child's.
ForkLocal<Table> g_table;
std::atomic<std::uint64_t> g_next_id{1};

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
  id_ = g_next_id.fetch_add(1);
  Entry entry{id_, ::getpid(), comparable(dir), {}};
  Table& t = g_table.get();
  std::lock_guard<std::mutex> lock(t.mutex);
  t.entries.push_back(std::move(entry));
}

CleanupRegistration::~CleanupRegistration() {
  if (id_ == 0) return;
  Table& t = g_table.get();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto& entries = t.entries;
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
  Table& t = g_table.get();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.frozen.load()) return;
  auto& entries = t.entries;
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id_; });
  if (it != entries.end()) it->kept = std::move(paths);
}

void freeze_cleanups() { g_table.get().frozen.store(true); }

bool cleanups_frozen() { return g_table.get().frozen.load(); }

std::size_t run_cleanups() noexcept {
  const pid_t self = ::getpid();
  std::size_t handled = 0;
  try {
    // Held while removing: once a registration's destructor returns, its directory is never
    // touched again.
    Table& t = g_table.get();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto& entries = t.entries;
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
