// What the samples print for the demo: per service, what started, where, how long readiness
// took, and — after the stop — proof that the whole process tree and its ${tmpdir} are gone.
//
//   auto t0 = std::chrono::steady_clock::now();
//   set.start();
//   auto shot = samples::started("redis", set, "redis", samples::since(t0));
//   ...
//   set.stop();
//   samples::cleaned(shot);   // ADD_FAILUREs (and says so) if anything survived
//
// Each line goes to stdout and, when $MIRAKURU_DEMO_REPORT names a file, is appended to it
// (one write per line, O_APPEND: samples running in parallel under ctest -j do not interleave).
// samples/demo.sh prints that file as a table. Linux only (reads /proc).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mirakuru/service_set.hpp>
#include <mirakuru/simple_executor.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace samples {

// A process as seen once: its pid and its start time (so a reused pid is not mistaken for it).
struct Proc {
  pid_t pid = -1;
  unsigned long long start_ticks = 0;
};

// What was running for one service, recorded while it ran.
struct Snapshot {
  std::string sample;
  std::string service;
  std::vector<Proc> tree;  // the service's process and every descendant it had
  std::filesystem::path tmpdir;
};

inline double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

namespace detail {

// Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses).
inline std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;  // [0] state, [1] ppid, ... [19] starttime
}

inline std::optional<Proc> probe(pid_t pid) {
  const auto f = stat_fields(pid);
  if (f.size() < 20 || f[0] == "Z") return std::nullopt;  // gone, or dead and awaiting its reaper
  return Proc{pid, std::stoull(f[19])};
}

// `root` and its descendants. Services that double-fork are adopted by mirakuru's guardian, not
// by `root`, so the guardian's other children count too (the guardian itself is excluded).
inline std::vector<Proc> process_tree(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> parent_of;  // (pid, ppid)
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    const auto f = stat_fields(pid);
    if (f.size() >= 2) parent_of.emplace_back(pid, std::stoi(f[1]));
  }
  pid_t guardian = -1;
  for (const auto& [pid, ppid] : parent_of) {
    if (pid == root) guardian = ppid;
  }
  std::vector<pid_t> found{root};
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (const auto& [pid, ppid] : parent_of) {
      const bool adopted = i == 0 && ppid == guardian && pid != root && guardian != ::getpid();
      if (ppid == found[i] || adopted) found.push_back(pid);
    }
  }
  std::vector<Proc> tree;
  for (pid_t pid : found) {
    if (auto p = probe(pid)) tree.push_back(*p);
  }
  return tree;
}

inline void emit(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  // Nothing in a sample calls setenv, so reading the environment from a test is safe.
  const char* file = std::getenv("MIRAKURU_DEMO_REPORT");  // NOLINT(concurrency-mt-unsafe)
  if (file && *file) {
    const int fd = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const std::string with_newline = line + "\n";
      [[maybe_unused]] auto n = ::write(fd, with_newline.data(), with_newline.size());
      ::close(fd);
    }
  }
}

inline std::string fmt_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ms);
  return buf;
}

}  // namespace detail

// Records a running service and prints
//   [demo] started SAMPLE SERVICE pid=N port=P ready_ms=X procs=K cmd=COMMAND
inline Snapshot started(const std::string& sample, const std::string& service, pid_t pid, int port,
                        double ready_ms, const std::string& command,
                        std::filesystem::path tmpdir = {}) {
  Snapshot shot{sample, service, detail::process_tree(pid), std::move(tmpdir)};
  detail::emit("[demo] started\t" + sample + "\t" + service + "\t" + std::to_string(pid) + "\t" +
               (port > 0 ? std::to_string(port) : std::string("-")) + "\t" +
               detail::fmt_ms(ready_ms) + "\t" + std::to_string(shot.tree.size()) + "\t" + command);
  return shot;
}

// The same for one service of a running ServiceSet.
inline Snapshot started(const std::string& sample, const mirakuru::ServiceSet& set,
                        const std::string& service, double ready_ms) {
  const mirakuru::SimpleExecutor& ex = set.executor(service);
  return started(sample, service, ex.pid(), set.port(service), ready_ms, ex.command().str(),
                 set.tmpdir(service));
}

// Adds the processes `pid` runs now to `shot` — call it just before the stop when the service
// may have been restarted (stopped(), a crash) since started() took the snapshot.
inline void refresh(Snapshot& shot, pid_t pid) {
  for (const Proc& p : detail::process_tree(pid)) {
    bool known = false;
    for (const Proc& q : shot.tree)
      known = known || (q.pid == p.pid && q.start_ticks == p.start_ticks);
    if (!known) shot.tree.push_back(p);
  }
}

// After the service was stopped: checks that every process recorded in `shot` is gone and its
// tmpdir removed, prints
//   [demo] cleaned SAMPLE SERVICE gone=K/K tmpdir=removed|kept|none
// and fails the current test (or suite) if anything is left.
inline void cleaned(const Snapshot& shot) {
  std::size_t gone = 0;
  std::string left;
  for (const Proc& p : shot.tree) {
    const auto now = detail::probe(p.pid);
    if (now && now->start_ticks == p.start_ticks) {
      left += " " + std::to_string(p.pid);
    } else {
      ++gone;
    }
  }
  std::string dir = "none";
  if (!shot.tmpdir.empty()) {
    std::error_code ec;
    dir = std::filesystem::exists(shot.tmpdir, ec) ? "kept" : "removed";
  }
  detail::emit("[demo] cleaned\t" + shot.sample + "\t" + shot.service + "\t" +
               std::to_string(gone) + "/" + std::to_string(shot.tree.size()) + "\t" + dir);
  EXPECT_TRUE(left.empty()) << shot.service << ": still running after stop:" << left;
  EXPECT_NE(dir, "kept") << shot.service << ": " << shot.tmpdir << " was not removed";
}

}  // namespace samples
