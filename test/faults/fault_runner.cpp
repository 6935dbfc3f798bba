// mk_fault_runner DIR MODE [--handler] [--chain] — a stand-in for a test runner, for the fault
// suite to kill. It starts a representative set of services, records every pid in DIR/*.pid,
// prints "READY", then ends the way MODE says:
//   wait         waits for a signal forever (the suite sends SIGKILL / SIGINT / SIGTERM)
// and, once the suite sends SIGUSR1 (so that it can look at the live tree first):
//   abort        std::abort()
//   segv         dies of SIGSEGV
//   exit-leaked  std::exit(0) with the executors never destroyed (no destructor runs)
//   guardian-killed  instead of the services above: starts one service, SIGKILLs its guardian
//                (as a stray `kill -9` would), then kill()s the executor — which must neither
//                die of SIGPIPE nor leave the service running — and waits like `wait`
//   fork-sigint  forks a copy of itself (as a "fast" death test would) that waits; once the
//                suite SIGINTs the copy, writes DIR/fork.result: "<copy's death signal>
//                <running|stopped>" (whether the parent's services survived), then waits
//   set          instead of the services above: a ServiceSet of two TCP services on "auto"
//                ports (ports in DIR/ports), then waits like `wait`
//   tree         instead of the services above: one mk_setsid_tree (3 levels of setsid'd
//                SIGTERM-ignorers, 5 wide; their pids in DIR/tree-*.pid), then waits like `wait`
// --handler  calls mirakuru::install_termination_handler() first.
// --chain    installs, before that, a SIGINT/SIGTERM handler that writes DIR/chained:
//            "after-stop" when the graceful service had already been stopped, else "before-stop".
// --ignore-int  ignores SIGINT before installing the handler (like a shell's background job).
// --slow-stop   the SIGTERM-ignoring service gets a 30 s stop timeout instead of 300 ms.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mirakuru/cleanup.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mirakuru::test::fixture;

char g_marker[4096];
char g_chained[4096];

void chained_handler(int /*sig*/) {
  const char* text = ::access(g_marker, F_OK) == 0 ? "after-stop\n" : "before-stop\n";
  int fd = ::open(g_chained, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    if (::write(fd, text, std::strlen(text)) < 0) {
    }
    ::close(fd);
  }
}

void write_pid(const std::filesystem::path& file, pid_t pid) { std::ofstream(file) << pid << "\n"; }

// Owned by nobody on purpose in exit-leaked mode; destroyed normally otherwise.
std::vector<mirakuru::SimpleExecutor*> start_services(const std::filesystem::path& dir,
                                                      bool slow_stop) {
  std::vector<mirakuru::SimpleExecutor*> services;
  auto add = [&](const std::string& name, mirakuru::Command command,
                 mirakuru::Options options = {}) {
    auto* ex = new mirakuru::SimpleExecutor(std::move(command), std::move(options));
    ex->start();
    write_pid(dir / (name + ".leader.pid"), ex->pid());
    services.push_back(ex);
    return ex;
  };
  add("sleeper", {fixture("sleeper")});
  add("graceful",
      {fixture("graceful"), (dir / "graceful.pid").string(), (dir / "graceful.marker").string()},
      {.stop_timeout = 5s});
  add("ignorer", {fixture("term_ignorer")},
      {.stop_timeout = slow_stop ? std::chrono::milliseconds(30s) : 300ms});
  for (const char* variant : {"", "--clear-env", "--keep-output"}) {
    const std::string name = std::string("daemon") + variant;
    std::vector<std::string> argv{fixture("daemon"), (dir / (name + ".pid")).string()};
    if (*variant != '\0') argv.emplace_back(variant);
    auto* ex = add(name, argv);
    if (ex->wait(10s) != 0) {
      throw std::runtime_error(name + " did not daemonize: " + ex->err_output());
    }
  }
  add("pipeline",
      {fixture("sleeper") + " 1000 | " + fixture("sleeper") + " 1001 & echo $! > " +
       (dir / "background.pid").string() + "; wait"},
      {.shell = true});
  // Wait for the fixtures' own pid files: the suite must know every pid before it kills us.
  for (const char* file : {"graceful.pid", "background.pid"}) {
    if (mirakuru::test::read_pid_file(dir / file) <= 0) {
      throw std::runtime_error(std::string("no ") + file);
    }
  }
  return services;
}

std::unique_ptr<mirakuru::ServiceSet> start_set(const std::filesystem::path& dir) {
  const std::string server = fixture("tcp_server");
  const std::string config = R"({
    "services": {
      "first": {
        "command": [")" + server +
                             R"(", "--port", "${port}", "--quiet"],
        "port": "auto",
        "ready": {"tcp": {"host": "127.0.0.1", "port": "${port}"}},
        "timeout": "20s"
      },
      "second": {
        "command": [")" + server +
                             R"(", "--port", "${port}", "--quiet"],
        "port": "auto",
        "ready": {"tcp": {"host": "127.0.0.1", "port": "${port}"}},
        "depends_on": ["first"],
        "timeout": "20s"
      }
    }
  })";
  auto set = std::make_unique<mirakuru::ServiceSet>(mirakuru::ServiceSet::from_string(config));
  set->start();
  std::ofstream(dir / "ports") << set->port("first") << " " << set->port("second") << "\n";
  for (const char* name : {"first", "second"}) {
    write_pid(dir / (std::string(name) + ".leader.pid"), set->executor(name).pid());
  }
  return set;
}

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos
             ? -1
             : static_cast<pid_t>(std::strtol(line.c_str() + paren + 4, nullptr, 10));
}

void kill_own_guardian(const std::filesystem::path& dir) {
  mirakuru::SimpleExecutor victim(mirakuru::Command(std::vector<std::string>{fixture("sleeper")}));
  victim.start();
  write_pid(dir / "victim.leader.pid", victim.pid());
  ::kill(parent_of(victim.pid()), SIGKILL);
  victim.wait(10s);  // the guardian's death is seen as the end of its status pipe
  victim.kill();
}

void write_atomically(const std::filesystem::path& file, const std::string& text) {
  const auto tmp = file.string() + ".tmp";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, file);
}

// The copy inherits the termination handler but not its thread: SIGINT must end it like the
// default action would, and must not touch the parent's services.
void fork_and_interrupt_copy(const std::filesystem::path& dir,
                             const std::vector<mirakuru::SimpleExecutor*>& services) {
  const pid_t copy = ::fork();
  if (copy == 0) {
    for (;;) ::pause();
  }
  write_pid(dir / "fork.pid", copy);
  std::printf("READY\n");
  std::fflush(stdout);
  int status = 0;
  while (::waitpid(copy, &status, 0) < 0 && errno == EINTR) {
  }
  bool running = true;
  for (auto* ex : services) {
    // The daemons' leaders exited by design; their guardians still hold the daemons.
    if (ex->pid() > 0 && !ex->running() && ex->returncode() != 0) running = false;
  }
  write_atomically(dir / "fork.result",
                   std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : -1) +
                       (running ? " running\n" : " stopped\n"));
}

[[noreturn]] void wait_for_signals() {
  for (;;) ::pause();
}

[[noreturn]] void ready_then_wait() {
  std::printf("READY\n");
  std::fflush(stdout);
  wait_for_signals();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mk_fault_runner DIR MODE [--handler] [--chain]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::string mode = argv[2];
  bool handler = false, chain = false, ignore_int = false, slow_stop = false;
  for (int i = 3; i < argc; ++i) {
    handler = handler || std::strcmp(argv[i], "--handler") == 0;
    chain = chain || std::strcmp(argv[i], "--chain") == 0;
    ignore_int = ignore_int || std::strcmp(argv[i], "--ignore-int") == 0;
    slow_stop = slow_stop || std::strcmp(argv[i], "--slow-stop") == 0;
  }
  std::snprintf(g_marker, sizeof g_marker, "%s", (dir / "graceful.marker").c_str());
  std::snprintf(g_chained, sizeof g_chained, "%s", (dir / "chained").c_str());
  // Blocked before any thread exists, so that only sigwait() below takes it.
  sigset_t go;
  ::sigemptyset(&go);
  ::sigaddset(&go, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &go, nullptr);
  struct sigaction action {};
  ::sigemptyset(&action.sa_mask);
  if (chain) {
    action.sa_handler = chained_handler;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
  }
  if (ignore_int) {
    action.sa_handler = SIG_IGN;
    ::sigaction(SIGINT, &action, nullptr);
  }
  if (handler) {
    mirakuru::install_termination_handler();
    mirakuru::install_termination_handler();  // idempotent
  }
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // abort/segv are the point, not their core files

  try {
    if (mode == "guardian-killed") {
      kill_own_guardian(dir);
      ready_then_wait();
    }
    if (mode == "set") {
      [[maybe_unused]] const auto set = start_set(dir);  // lives until the runner dies
      ready_then_wait();
    }
    if (mode == "tree") {
      mirakuru::OutputExecutor tree({fixture("setsid_tree"), dir.string()}, "^READY$",
                                    {.timeout = 30s});
      tree.start();  // lives until the runner dies
      ready_then_wait();
    }
    auto services = start_services(dir, slow_stop);
    if (mode == "fork-sigint") {
      fork_and_interrupt_copy(dir, services);
      wait_for_signals();
    }
    std::printf("READY\n");
    std::fflush(stdout);
    if (mode == "wait") wait_for_signals();
    int sig = 0;
    ::sigwait(&go, &sig);
    if (mode == "abort") std::abort();
    if (mode == "segv") ::raise(SIGSEGV);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): exiting with live threads and executors is the point
    if (mode == "exit-leaked") std::exit(0);
    std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runner failed: %s\n", e.what());
    return 3;
  }
}
