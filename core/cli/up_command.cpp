// `mirakuru up FILE`: reuse the set's running keeper, or start one (detached: double fork,
// setsid, exec `mirakuru __keeper`) and wait until it reports the set ready.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/keeper_connection.hpp"
#include "cli/state_dir.hpp"

namespace mirakuru::cli {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The keeper's command line, prepared before fork (the child may not allocate).
std::vector<std::string> keeper_argv(const UpArgs& args, const std::filesystem::path& config,
                                     const detail::SetPaths& paths, int report_fd, int watch_fd,
                                     pid_t watch_pid) {
  std::vector<std::string> argv{std::filesystem::read_symlink("/proc/self/exe").string(),
                                "__keeper",
                                "--file",
                                config.string(),
                                "--set-dir",
                                paths.dir.string(),
                                "--report-fd",
                                std::to_string(report_fd)};
  if (watch_fd >= 0) {
    argv.insert(argv.end(),
                {"--watch-fd", std::to_string(watch_fd), "--watch-pid", std::to_string(watch_pid)});
  }
  if (args.linger) argv.insert(argv.end(), {"--linger", std::to_string(args.linger->count())});
  return argv;
}

// Starts the keeper in a session of its own, reparented away from us; returns our end of the
// report socket. Between fork and exec: async-signal-safe calls only.
void spawn_keeper(std::vector<std::string> argv, int keeper_end, int watch_fd, int log_fd) {
  auto args = pointers(argv);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t middle = ::fork();
  if (middle < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (middle == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);  // the keeper is orphaned: not a child of `up`
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::fcntl(keeper_end, F_SETFD, 0);
    if (watch_fd >= 0) ::fcntl(watch_fd, F_SETFD, 0);  // a pidfd: no pid reuse race
    ::execv(args[0], args.data());
    ::_exit(127);  // `up` reads EOF without a report
  }
  ::close(null_fd);
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
}

int print_endpoints(const nlohmann::json& endpoints) {
  std::cout << endpoints.dump(2) << std::endl;
  return 0;
}

std::string keeper_log_tail(const detail::SetPaths& paths) {
  std::ifstream in(paths.keeper_log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 4096) text = text.substr(text.size() - 4096);
  return text.empty() ? "" : "\nthe keeper's log (" + paths.keeper_log.string() + "):\n" + text;
}

// Waits for the keeper's report: ready (acknowledged), failed, or gone.
int await_keeper(detail::KeeperConnection& report, const detail::SetPaths& paths) {
  std::optional<nlohmann::json> result;
  try {
    result = report.receive();
  } catch (const std::exception& e) {
    print_error("up", std::string("reading the keeper's report: ") + e.what());
  }
  if (result && result->value("ok", false)) {
    report.send({{"ack", true}});
    return print_endpoints(result->at("endpoints"));
  }
  if (result) {
    print_error("up", result->value("error", "the keeper failed") + "\n(nothing was left running)");
  } else {
    print_error("up", "the keeper ended before its services were ready" + keeper_log_tail(paths));
  }
  // The keeper stopped what it started; its end of the socket closes when it has exited.
  try {
    while (report.receive(std::chrono::seconds(30))) {
    }
  } catch (const std::exception&) {
    // Still not gone: its guardians will not let its services outlive it anyway.
  }
  detail::remove_keeper_leftovers(paths);
  return kExitFailure;
}

}  // namespace

int up_command(const UpArgs& args) {
  const auto state = detail::open_state_dir(args.state_dir);
  const auto paths = detail::set_paths(state, args.file);
  const auto config = std::filesystem::canonical(args.file);
  ::mkdir(paths.dir.c_str(), 0700);
  detail::FileLock lock(paths.lock);  // one `up` at a time per set: racing ones reuse the first

  if (auto running = detail::ask_keeper(paths.socket, "status")) {
    if (detail::config_changed(running->answer)) {
      print_error("up", config.string() + " changed since its keeper (pid " +
                            std::to_string(running->answer.value("keeper_pid", 0)) +
                            ") started it: run `mirakuru down " + args.file.string() +
                            "`, then `mirakuru up` again");
      return kExitFailure;
    }
    return print_endpoints(running->answer.at("endpoints"));
  }
  detail::remove_keeper_leftovers(paths);  // a keeper that died

  const pid_t watch_pid = args.watch_pid.value_or(::getppid());
  Fd watch;
  if (watch_pid > 0) {
    watch.fd = static_cast<int>(::syscall(SYS_pidfd_open, watch_pid, 0));
    if (watch.fd < 0) {
      print_error("up", "cannot watch pid " + std::to_string(watch_pid) + ": " +
                            std::strerror(errno) + " (--watch-pid 0 watches nothing)");
      return kExitFailure;
    }
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  detail::KeeperConnection report(sv[0]);
  Fd keeper_end{sv[1]};
  Fd log{::open(paths.keeper_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  spawn_keeper(keeper_argv(args, config, paths, sv[1], watch.fd, watch_pid), sv[1], watch.fd,
               log.fd);
  ::close(keeper_end.fd);
  keeper_end.fd = -1;
  return await_keeper(report, paths);
}

}  // namespace mirakuru::cli
