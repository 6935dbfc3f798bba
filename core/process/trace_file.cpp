// The trace file: Chrome Trace Event Format (`{"traceEvents": [...]}`), loadable in Perfetto and
// chrome://tracing. One process per pid, one track (tid) per service, complete events ("X") in
// microseconds of CLOCK_MONOTONIC, so the events of every process of a run line up.
//
// Several processes may name the same file (ctest -j runs many test programs): each one appends
// its events under an exclusive flock(2), rewriting only the closing bracket. "%p" in the name
// gives every process a file of its own instead.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "process/log.hpp"
#include "process/timeline.hpp"

namespace mirakuru::detail::timeline {

namespace {

std::int64_t micros(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::filesystem::path with_pid(const std::filesystem::path& file, pid_t pid) {
  std::string name = file.string();
  for (auto at = name.find("%p"); at != std::string::npos; at = name.find("%p", at)) {
    const std::string text = std::to_string(pid);
    name.replace(at, 2, text);
    at += text.size();
  }
  return name;
}

std::string program_name() {
  char buffer[64] = {};
  const int fd = ::open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "runner";
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  std::string name(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name.empty() ? "runner" : name;
}

// Tracks of this process, numbered in order of appearance (stable across several writes).
struct Tracks {
  std::map<std::string, int> tids;
  bool process_named = false;
};

Tracks& tracks() {
  static Tracks t;  // used under the timeline's lock only
  return t;
}

nlohmann::json metadata(const char* what, pid_t pid, int tid, nlohmann::json args) {
  return {{"name", what}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", std::move(args)}};
}

nlohmann::json to_json(const Event& e, pid_t pid, nlohmann::json& out) {
  Tracks& t = tracks();
  if (!t.process_named) {
    out.push_back(metadata("process_name", pid, 0,
                           {{"name", program_name() + " (pid " + std::to_string(pid) + ")"}}));
    t.process_named = true;
  }
  auto [it, fresh] = t.tids.emplace(e.track, static_cast<int>(t.tids.size()) + 1);
  if (fresh) {
    out.push_back(metadata("thread_name", pid, it->second, {{"name", e.track}}));
    out.push_back(metadata("thread_sort_index", pid, it->second, {{"sort_index", it->second}}));
  }
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [key, value] : e.args) {
    std::visit([&, k = &key](const auto& v) { args[*k] = v; }, value);
  }
  nlohmann::json event = {{"name", e.name},    {"cat", "mirakuru"},     {"pid", pid},
                          {"tid", it->second}, {"ts", micros(e.begin)}, {"args", std::move(args)}};
  if (e.end > e.begin) {
    event["ph"] = "X";
    event["dur"] = micros(e.end) - micros(e.begin);
  } else {
    event["ph"] = "i";
    event["s"] = "t";
  }
  return event;
}

bool write_at(int fd, const std::string& text, off_t offset) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(fd, text.data() + done, text.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return ::ftruncate(fd, offset + static_cast<off_t>(text.size())) == 0;
}

std::string read_at(int fd, off_t offset, std::size_t size) {
  std::string text(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, text.data() + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

// The file as this library writes it: kHead, events separated by ",\n", kTail. Appending
// rewrites only the tail, so a file many processes merge into never gets re-parsed.
constexpr std::string_view kHead = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
constexpr std::string_view kTail = "\n]}\n";

// Where new events go in a file of ours (and whether it holds events already); nullopt when the
// file is something else.
std::optional<std::pair<off_t, bool>> append_point(int fd, off_t size) {
  if (size < static_cast<off_t>(kHead.size() + kTail.size())) return std::nullopt;
  if (read_at(fd, 0, kHead.size()) != kHead) return std::nullopt;
  const off_t at = size - static_cast<off_t>(kTail.size());
  if (read_at(fd, at, kTail.size()) != kTail) return std::nullopt;
  return std::make_pair(at, at > static_cast<off_t>(kHead.size()));
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);  // also releases the flock
  }
};

}  // namespace

bool write_trace_file(const std::filesystem::path& file, const std::vector<Event>& events,
                      pid_t pid) noexcept {
  const std::filesystem::path path = with_pid(file, pid);
  try {
    Fd f{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (f.fd < 0 || ::flock(f.fd, LOCK_EX) != 0) {
      const int error = errno;
      logger()->error(
          "cannot write the trace file '{}': {}. Check that its directory exists and "
          "is writable (MIRAKURU_TRACE / --mirakuru_trace).",
          path.string(), std::generic_category().message(error));
      return false;
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) throw std::system_error(errno, std::generic_category(), "fstat");
    auto point = append_point(f.fd, st.st_size);
    if (!point) {
      if (st.st_size > 0) {
        logger()->warn("the trace file '{}' is not one this library wrote; replaced",
                       path.string());
      }
      point = std::make_pair(off_t{0}, false);
    }
    nlohmann::json batch = nlohmann::json::array();
    for (const Event& e : events) batch.push_back(to_json(e, pid, batch));
    std::string text = point->first == 0 ? std::string(kHead) : std::string();
    bool first = !point->second;
    for (const auto& e : batch) {
      if (!first) text += ",\n";
      first = false;
      text += e.dump();
    }
    text += kTail;
    if (!write_at(f.fd, text, point->first)) {
      const int error = errno;
      logger()->error("cannot write the trace file '{}': {}", path.string(),
                      std::generic_category().message(error));
      return false;
    }
    logger()->debug("trace: {} event(s) written to '{}'", events.size(), path.string());
    return true;
  } catch (const std::exception& e) {
    logger()->error("cannot write the trace file '{}': {}", path.string(), e.what());
    return false;
  }
}

}  // namespace mirakuru::detail::timeline
