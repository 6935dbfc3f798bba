#include "cli/state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return value == nullptr ? std::string() : std::string(value);
}

[[noreturn]] void refuse(const std::filesystem::path& dir, const std::string& why) {
  throw ConfigError("", "state directory " + dir.string() + ": " + why +
                            "; pass --state-dir (or set MIRAKURU_STATE_DIR) to a directory of "
                            "your own with mode 0700");
}

}  // namespace

std::filesystem::path default_state_dir() {
  std::string dir = env_or_empty("MIRAKURU_STATE_DIR");
  if (!dir.empty()) return dir;
  std::string base = env_or_empty("XDG_RUNTIME_DIR");
  if (base.empty()) base = "/tmp";
  return std::filesystem::path(base) / ("mirakuru-" + std::to_string(::geteuid()));
}

std::filesystem::path open_state_dir(const std::filesystem::path& given) {
  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::absolute(given.empty() ? default_state_dir() : given, ec).lexically_normal();
  if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
    refuse(dir, std::string("cannot create it: ") + std::strerror(errno));
  }
  // lstat: a symlink planted where the directory should be is refused, not followed.
  struct stat st {};
  if (::lstat(dir.c_str(), &st) < 0) refuse(dir, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) refuse(dir, "not a directory");
  if (st.st_uid != ::geteuid()) {
    refuse(dir, "owned by uid " + std::to_string(st.st_uid) + ", not by you (uid " +
                    std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    refuse(dir, std::string("group- or world-writable (mode ") + mode +
                    "): another user could take over its keepers; chmod 700 it");
  }
  return dir;
}

SetPaths set_paths(const std::filesystem::path& state_dir, const std::filesystem::path& config) {
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(config, ec);
  if (ec) throw ConfigError("", config.string() + ": " + ec.message());
  return set_dir_paths(state_dir / ("set-" + fingerprint(canonical.string())));
}

SetPaths set_dir_paths(const std::filesystem::path& dir) {
  SetPaths p;
  p.dir = dir;
  p.lock = p.dir / "lock";
  p.keeper_log = p.dir / "keeper.log";
  p.run = p.dir / "run";
  p.socket = p.run / "sock";
  p.state_file = p.run / "state.json";
  return p;
}

std::string fingerprint(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::optional<std::string> file_fingerprint(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return fingerprint(text.str());
}

bool config_changed(const nlohmann::json& status) {
  const auto now = file_fingerprint(status.value("config", ""));
  return !now || *now != status.value("config_fingerprint", "");
}

FileLock::FileLock(const std::filesystem::path& file) {
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + file.string());
  while (::flock(fd_, LOCK_EX) < 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "flock " + file.string());
  }
}

std::optional<FileLock> FileLock::try_lock(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

nlohmann::json read_state(const SetPaths& paths) {
  std::ifstream in(paths.state_file);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

void write_state(const SetPaths& paths, const nlohmann::json& state) {
  const auto tmp = paths.state_file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << state.dump() << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, paths.state_file);
}

void remove_keeper_leftovers(const SetPaths& paths) noexcept {
  std::error_code ec;
  try {
    auto state = read_state(paths);
    if (state.is_object() && state.contains("scratch") && state["scratch"].is_string()) {
      const std::filesystem::path scratch = state["scratch"].get<std::string>();
      // Only what the set made itself: a "mk-XXXXXX" directory.
      if (scratch.filename().string().rfind("mk-", 0) == 0) {
        std::filesystem::remove_all(scratch, ec);
      }
    }
  } catch (const std::exception&) {
    // A damaged state file: run/ goes anyway.
  }
  std::filesystem::remove_all(paths.run, ec);
}

}  // namespace mirakuru::detail
