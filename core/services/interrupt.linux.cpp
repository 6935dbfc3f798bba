#include "services/interrupt.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace mirakuru::detail {

std::string service_marker(unsigned set_sequence, const std::string& service) {
  return std::to_string(::getpid()) + "." + std::to_string(set_sequence) + "." + service;
}

namespace {

// The initial environment of `pid` as exec'd ("" when unreadable or gone).
std::string environ_of(const char* pid) {
  const std::string file = std::string("/proc/") + pid + "/environ";
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

int kill_marked_processes(const std::vector<std::string>& markers) noexcept {
  if (markers.empty()) return 0;
  int killed = 0;
  try {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return 0;
    const pid_t self = ::getpid();
    // readdir() is only unsafe on a DIR shared between threads; this one is ours alone.
    while (const dirent* entry = ::readdir(proc)) {  // NOLINT(concurrency-mt-unsafe)
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (*end != '\0' || pid <= 1 || pid == self) continue;
      const std::string env = environ_of(entry->d_name);
      for (const auto& marker : markers) {
        // Entries are NUL-separated: match a whole "NAME=VALUE" entry.
        const std::string wanted = std::string(kServiceMarker) + "=" + marker;
        const auto at = env.find(wanted);
        if (at == std::string::npos || (at > 0 && env[at - 1] != '\0')) continue;
        const auto after = at + wanted.size();
        if (after < env.size() && env[after] != '\0') continue;
        if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
        break;
      }
    }
    ::closedir(proc);
  } catch (...) {
  }
  return killed;
}

}  // namespace mirakuru::detail
