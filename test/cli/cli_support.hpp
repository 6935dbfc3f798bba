// Running the `mirakuru` command as a process, the way users and CTest do: its exit status and
// what it printed, within a time limit. (Not through a mirakuru executor: its guardian would
// adopt the keeper that `mirakuru up` detaches.)
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

extern char** environ;  // NOLINT

namespace mirakuru::test {

struct CliResult {
  int status = -1;  // the exit status, 128+N for death by signal N
  std::string out;
  std::string err;
  std::string all() const {
    return "status " + std::to_string(status) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
};

// A started `mirakuru` (or any) process whose output is collected by finish().
class CliProcess {
 public:
  CliProcess(std::vector<std::string> argv, const std::map<std::string, std::string>& env) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) {
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry = *e;
      if (env.count(entry.substr(0, entry.find('='))) == 0) envs.push_back(entry);
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    auto args = pointers(argv);
    auto envp = pointers(envs);
    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
    if (rc != 0) throw std::runtime_error("cannot spawn " + argv[0]);
  }
  ~CliProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads both streams to EOF and reaps the process; SIGKILLs it at `limit`.
  CliResult finish(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    CliResult r;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (out_ >= 0 || err_ >= 0) {
      pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid_, SIGKILL);
        r.err += "\n[test: killed at the time limit]";
        break;
      }
      if (::poll(fds, 2, static_cast<int>(left.count())) < 0) continue;
      drain(fds[0], out_, r.out);
      drain(fds[1], err_, r.err);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    r.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return r;
  }

 private:
  static std::vector<char*> pointers(std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& s : v) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
  }
  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || p.revents == 0) return;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(fd);
      fd = -1;
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

// `mirakuru ARGS...`, waited for.
inline CliResult mirakuru_cli(std::vector<std::string> args,
                              const std::map<std::string, std::string>& env = {},
                              std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  args.insert(args.begin(), MIRAKURU_CLI);
  return CliProcess(std::move(args), env).finish(limit);
}

inline void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

// A service set of one mk_svc_service per name, ready when its auto port accepts; each writes
// its pid to DIR/NAME.pid first (so a test can check that it is gone) and appends a line to
// DIR/NAME.starts (so a test can count its starts).
inline nlohmann::json svc_set(const std::filesystem::path& dir,
                              const std::vector<std::string>& names,
                              const std::string& extra_args = "") {
  nlohmann::json services = nlohmann::json::object();
  for (const auto& name : names) {
    const std::string pid_file = (dir / (name + ".pid")).string();
    const std::string starts = (dir / (name + ".starts")).string();
    services[name] = {// "$$$$": the set's templates make "$$" a literal "$".
                      {"command",
                       {"sh", "-c",
                        "echo $$$$ > '" + pid_file + "'; echo start >> '" + starts + "'; exec " +
                            fixture("svc_service") + " --port ${port} " + extra_args}},
                      {"port", "auto"},
                      {"ready", {{"tcp", {{"port", "${port}"}}}}},
                      {"timeout", "10s"}};
  }
  return {{"services", services}};
}

// The parent of `pid` (/proc/PID/stat field 4), -1 when unknown.
inline pid_t parent_pid(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  if (paren == std::string::npos) return -1;
  char state = 0;
  long ppid = -1;
  std::istringstream(line.substr(paren + 1)) >> state >> ppid;
  return static_cast<pid_t>(ppid);
}

// How many lines `file` has (0 when missing): a service's start count.
inline int line_count(const std::filesystem::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// A state directory and a config file in a fresh temporary directory, and the commands on them.
class KeeperFixture {
 public:
  KeeperFixture() = default;
  ~KeeperFixture() {
    // A test that failed half-way must not leave a keeper behind.
    if (std::filesystem::exists(state_)) (void)cli({"down", config_.string()});
  }

  const std::filesystem::path& dir() const { return dir_.path(); }
  const std::filesystem::path& state() const { return state_; }
  const std::filesystem::path& config() const { return config_; }
  void write_config(const nlohmann::json& set) { write_file(config_, set.dump(2)); }

  // `mirakuru SUB [FILE] --state-dir STATE ARGS...`
  CliResult cli(std::vector<std::string> args,
                std::chrono::milliseconds limit = std::chrono::seconds(20)) const {
    args.insert(args.end(), {"--state-dir", state_.string()});
    return mirakuru_cli(std::move(args), {}, limit);
  }
  CliResult up(std::vector<std::string> extra = {"--watch-pid", "0"}) const {
    std::vector<std::string> args{"up", config_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(std::move(args));
  }
  CliResult down() const { return cli({"down", config_.string()}); }
  nlohmann::json status() const {
    auto r = cli({"status", "--json"});
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  // The keeper's pid, from `status --json` (-1 when none runs).
  pid_t keeper_pid() const {
    auto s = status();
    if (!s.is_object() || s["sets"].empty()) return -1;
    return s["sets"][0].value("keeper_pid", -1);
  }
  std::filesystem::path set_dir() const {
    for (const auto& e : std::filesystem::directory_iterator(state_)) return e.path();
    return {};
  }

 private:
  TempDir dir_;
  std::filesystem::path state_ = dir_ / "state";
  std::filesystem::path config_ = dir_ / "services.json";
};

}  // namespace mirakuru::test
