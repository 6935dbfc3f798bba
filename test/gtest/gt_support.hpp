// Helpers for the GoogleTest-layer tests: service configs built on mk_gt_server, a client
// for it, a runner for test binaries, and the markers the servers leave behind.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mirakuru/service_description.hpp"
#include "test_support.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace mirakuru::gtest_test {

// One mk_gt_server service on an auto port, ready when it prints that it listens.
inline nlohmann::json server(const std::string& name, const std::string& marker_dir = "",
                             int exit_code = -1) {
  nlohmann::json command = {mirakuru::test::fixture("gt_server"), "--name", name, "--port",
                            "${port}"};
  if (!marker_dir.empty()) {
    command.push_back("--marker-dir");
    command.push_back(marker_dir);
  }
  if (exit_code >= 0) {
    command.push_back("--exit-code");
    command.push_back(std::to_string(exit_code));
  }
  return {{"command", command},
          {"port", "auto"},
          {"ready", {{"output", {{"banner", "gt_server " + name + " listening on"}}}}},
          {"timeout", "10s"}};
}

// The same server as a C++ description.
inline mirakuru::ServiceDescription described_server(const std::string& name) {
  using namespace std::chrono_literals;
  return {.command = {mirakuru::test::fixture("gt_server"), "--name", name, "--port", "${port}"},
          .port = mirakuru::auto_port,
          .ready = mirakuru::ready::output("gt_server " + name + " listening on"),
          .options = {.timeout = 10s}};
}

// alpha, and beta depending on it (optionally failing with `beta_exit_code`); beta is ready
// when its port accepts connections, alpha when it prints its banner.
inline nlohmann::json two_servers(const std::string& marker_dir = "", int beta_exit_code = -1) {
  auto beta = server("beta", marker_dir, beta_exit_code);
  beta["depends_on"] = {"alpha"};
  beta["ready"] = {{"tcp", {{"host", "127.0.0.1"}, {"port", "${port}"}}}};
  return {{"services", {{"alpha", server("alpha", marker_dir)}, {"beta", beta}}}};
}

// The failure messages GoogleTest recorded for each test ("Suite.Test") of a
// --gtest_output=json report.
inline std::map<std::string, std::vector<std::string>> report_failures(
    const std::filesystem::path& report) {
  std::ifstream in(report);
  auto doc = nlohmann::json::parse(in);
  std::map<std::string, std::vector<std::string>> failures;
  for (const auto& suite : doc["testsuites"]) {
    for (const auto& test : suite["testsuite"]) {
      auto& list =
          failures[suite["name"].get<std::string>() + "." + test["name"].get<std::string>()];
      for (const auto& f : test.value("failures", nlohmann::json::array())) {
        list.push_back(f["failure"].get<std::string>());
      }
    }
  }
  return failures;
}

inline std::filesystem::path write_config(const std::filesystem::path& dir,
                                          const nlohmann::json& config,
                                          const std::string& name = "services.json") {
  auto path = dir / name;
  std::ofstream(path) << config.dump(2);
  return path;
}

// Connects to 127.0.0.1:port and returns the first line mk_gt_server answers ("" on error).
inline std::string ask(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!reply.empty() && reply.back() == '\n') reply.pop_back();
  return reply;
}

struct RunResult {
  int exit_code = -1;  // -N: killed by signal N
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` with the runner's environment minus GoogleTest/mirakuru variables that would
// leak into the child, plus `env`; captures its output; kills it after `timeout`. When
// `signal_when` is not empty, sends `sig` to the child once its output contains that text.
inline RunResult run(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {},
                     std::chrono::seconds timeout = std::chrono::seconds(60),
                     std::string signal_when = "", int sig = SIGINT) {
  static const std::set<std::string> dropped = {"GTEST_TOTAL_SHARDS",
                                                "GTEST_SHARD_INDEX",
                                                "GTEST_SHARD_STATUS_FILE",
                                                "GTEST_FILTER",
                                                "GTEST_OUTPUT",
                                                "MIRAKURU_SERVICES",
                                                "GTEST_COLOR",
                                                "MIRAKURU_GTEST_ENDPOINTS"};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (dropped.count(name) == 0 && env.count(name) == 0) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);

  RunResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    result.output = "posix_spawn failed: " + std::string(std::strerror(rc));
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) < 0) continue;
    char buf[4096];
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
    if (!signal_when.empty() && result.output.find(signal_when) != std::string::npos) {
      ::kill(pid, sig);
      signal_when.clear();
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

// A server's marker file: DIR/NAME.PID holding "started\n" and, after a clean stop, "stopped\n".
struct Marker {
  std::string name;
  pid_t pid = -1;
  std::string content;
  bool stopped() const { return content.find("stopped") != std::string::npos; }
};

inline std::vector<Marker> markers(const std::filesystem::path& dir, const std::string& name = "") {
  std::vector<Marker> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    auto dot = file.rfind('.');
    if (dot == std::string::npos) continue;
    Marker m;
    m.name = file.substr(0, dot);
    m.pid = static_cast<pid_t>(std::atol(file.c_str() + dot + 1));
    if (m.pid <= 0 || (!name.empty() && m.name != name)) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    m.content = text.str();
    found.push_back(m);
  }
  return found;
}

// Lines of `output` that start with `prefix`, without it.
inline std::vector<std::string> tagged(const std::string& output, const std::string& prefix) {
  std::vector<std::string> values;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) values.push_back(line.substr(prefix.size()));
  }
  return values;
}

}  // namespace mirakuru::gtest_test
