// Where keepers keep their state, and the files of one set in it.
//
//   STATE/                     0700, owned by this user (refused otherwise)
//     set-<hash>/              one per config file (hash of its canonical path)
//       lock                   flock'd by `up`/`down`/stale clean-ups; never removed
//       keeper.log             the keeper's stderr
//       run/                   exists while a keeper runs: removed by it when it ends
//         sock                 the keeper's unix socket (requests, and one lease per attacher)
//         state.json           what the keeper runs: config, hash, pid, endpoints, scratch dir
//
// A keeper is alive exactly when its socket accepts a connection; a run/ whose socket refuses
// is stale (the keeper died) and is cleaned up under the lock by the next up/status/down.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mirakuru::detail {

// $MIRAKURU_STATE_DIR, else ${XDG_RUNTIME_DIR:-/tmp}/mirakuru-$UID.
std::filesystem::path default_state_dir();

// `dir` (empty: default_state_dir()) made absolute, created 0700 when missing. Throws
// ConfigError saying what to do when it is not a directory, is owned by another user, or is
// group/world-writable.
std::filesystem::path open_state_dir(const std::filesystem::path& dir);

struct SetPaths {
  std::filesystem::path dir, lock, keeper_log, run, socket, state_file;
};

// The files of the set whose config is `config` (made canonical here: ConfigError when it
// does not exist) under the opened `state_dir`.
SetPaths set_paths(const std::filesystem::path& state_dir, const std::filesystem::path& config);
// The files of the set directory `dir`.
SetPaths set_dir_paths(const std::filesystem::path& dir);

// FNV-1a 64 of `text`, 16 hex digits: a stable name for a path, a fingerprint for a config.
std::string fingerprint(const std::string& text);
// The fingerprint of `file`'s content; nullopt when it cannot be read.
std::optional<std::string> file_fingerprint(const std::filesystem::path& file);

// True when the config file a keeper's status names no longer has the content the keeper
// started from (or is gone): the keeper is stale.
bool config_changed(const nlohmann::json& status);

// An exclusive flock on `file` (created 0600), released by the destructor. Move-only.
class FileLock {
 public:
  // Blocks until the lock is ours. Throws std::system_error.
  explicit FileLock(const std::filesystem::path& file);
  // Without blocking: nullopt when another process holds it.
  static std::optional<FileLock> try_lock(const std::filesystem::path& file);
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// state.json of a run/ directory; null when absent or unreadable.
nlohmann::json read_state(const SetPaths& paths);
// Writes it atomically (a temporary file renamed over).
void write_state(const SetPaths& paths, const nlohmann::json& state);

// Removes a dead keeper's leftovers: run/ and the set's scratch directory it recorded.
// Call with the lock held. Never throws.
void remove_keeper_leftovers(const SetPaths& paths) noexcept;

}  // namespace mirakuru::detail
