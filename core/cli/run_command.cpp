// `mirakuru run FILE -- CMD`: start the set in this process, run CMD with the endpoint
// environment, stop the set, exit with CMD's status.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/endpoint_env.hpp"
#include "cli/keeper_connection.hpp"
#include "cli/state_dir.hpp"
#include "mirakuru/cleanup.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"

extern char** environ;  // NOLINT

namespace mirakuru::cli {
namespace {

std::atomic<pid_t> g_child{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler reads it");

// Signal context: SIGTERM/SIGHUP sent to `mirakuru run` are meant for CMD; this process stops the
// set once CMD has ended.
void forward_to_child(int sig) {
  const pid_t child = g_child.load();
  if (child > 0) ::kill(child, sig);
}

// While CMD runs: the terminal's SIGINT/SIGQUIT reach CMD directly (same process group), so this
// process ignores them and waits for CMD; SIGTERM/SIGHUP are forwarded. Restores the previous
// dispositions (the termination handler's) when destroyed.
class ChildSignals {
 public:
  ChildSignals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction forward {};
    forward.sa_handler = forward_to_child;
    ::sigemptyset(&forward.sa_mask);
    forward.sa_flags = SA_RESTART;
    for (std::size_t i = 0; i < kCount; ++i) {
      const bool fwd = kSignals[i] == SIGTERM || kSignals[i] == SIGHUP;
      ::sigaction(kSignals[i], fwd ? &forward : &ignore, &previous_[i]);
    }
  }
  ~ChildSignals() {
    for (std::size_t i = 0; i < kCount; ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }
  ChildSignals(const ChildSignals&) = delete;
  ChildSignals& operator=(const ChildSignals&) = delete;

  static constexpr int kSignals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
  static constexpr std::size_t kCount = 4;

 private:
  struct sigaction previous_[kCount] {};
};

// environ plus `extra` (overriding), as "NAME=VALUE" strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (extra.count(entry.substr(0, entry.find('='))) == 0) out.push_back(std::move(entry));
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Spawns CMD with default signal dispositions and an empty mask; returns its pid or the errno.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, int* error) {
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  sigset_t defaults;
  ::sigemptyset(&defaults);
  for (int sig : ChildSignals::kSignals) ::sigaddset(&defaults, sig);
  ::sigaddset(&defaults, SIGPIPE);
  sigset_t empty;
  ::sigemptyset(&empty);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &empty);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  auto args = pointers(argv);
  auto envp = pointers(env);
  pid_t pid = -1;
  *error = ::posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), envp.data());
  ::posix_spawnattr_destroy(&attr);
  return *error == 0 ? pid : -1;
}

// CMD's exit status, 128+N when signal N killed it.
int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return kExitFailure;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Stops the set; a failure is reported but does not change CMD's status.
void stop_set(ServiceSet& set) {
  try {
    set.stop();
  } catch (const std::exception& e) {
    print_error("run", std::string("stopping the services failed: ") + e.what());
  }
}

// The set a keeper already runs for FILE in the state directory (`mirakuru up`), attached to
// (a lease for as long as CMD runs); nullopt when none runs it. A default state directory that
// cannot be used just means that no keeper runs there.
std::optional<ServiceSet> keeper_set(const RunArgs& args) {
  std::filesystem::path state;
  try {
    state = detail::open_state_dir(args.state_dir);
  } catch (const ConfigError&) {
    if (!args.state_dir.empty()) throw;
    return std::nullopt;
  }
  if (!detail::KeeperConnection::connect(detail::set_paths(state, args.file).socket)) {
    return std::nullopt;
  }
  return ServiceSet::attach_running(args.file, state);  // ConfigError when it is stale
}

}  // namespace

int run_command(const RunArgs& args) {
  install_termination_handler();  // SIGINT/SIGTERM while the set starts: stop it gracefully
  std::optional<ServiceSet> set;
  try {
    set = keeper_set(args);
    if (!set) set.emplace(ServiceSet::from_file(args.file));
    set->start();  // nothing for the keeper's set
  } catch (const std::exception& e) {
    print_error("run", std::string(e.what()) + "\n(the command was not run)");
    return kExitFailure;
  }

  int status = 0;
  {
    ChildSignals signals;
    int error = 0;
    const pid_t pid =
        spawn(args.command, child_environment(endpoint_environment(set->endpoints())), &error);
    if (pid < 0) {
      stop_set(*set);
      print_error("run", "cannot run '" + args.command[0] + "': " + std::strerror(error) +
                             (error == ENOENT ? " (not found on PATH or at that path)" : "") +
                             (set->attached() ? "" : "; the services were stopped"));
      return error == ENOENT ? kExitNotFound : kExitCannotRun;
    }
    g_child.store(pid);
    status = wait_status(pid);
    g_child.store(0);
  }
  stop_set(*set);
  return status;
}

}  // namespace mirakuru::cli
