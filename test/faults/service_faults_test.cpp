// Rows of the fault table where a *service* (or its configuration) is the problem, plus forks
// of the runner and repeated use. Each row checks the documented error and that nothing is
// left running.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "leak_check.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
// A fork of a threaded process keeps the heap but not the other threads' stacks, so LeakSanitizer
// would report their buffers as leaks when the forks below exit. Only the original process checks.
namespace {
const pid_t g_original_pid = ::getpid();
}
extern "C" int __lsan_is_turned_off() { return ::getpid() != g_original_pid ? 1 : 0; }
#endif

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using faults::Scenario;
using test::fixture;

using faults::ms;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

long vm_hwm_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(ServiceFaults, ServiceExitingEarlyIsReportedAtOnceWithItsOutput) {
  Scenario s("service exits early");
  test::TempDir dir;
  // It even leaves a daemon behind before failing: that one must go too.
  const std::string line = fixture("daemon") + " " + (dir / "daemon.pid").string() +
                           " --clear-env; echo 'fatal: cannot open the database' >&2; exit 3";
  OutputExecutor ex(line, "^never printed$", {.shell = true, .timeout = 30s});
  const auto t0 = Clock::now();
  try {
    ex.start();
    ADD_FAILURE() << "start() returned";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_TRUE(contains(e.what(), "fatal: cannot open the database")) << e.what();
    EXPECT_TRUE(contains(e.what(), "exit 3")) << "names the command: " << e.what();
  }
  const auto took = Clock::now() - t0;
  EXPECT_LT(took, 5s) << "reported at the exit, not at the timeout";
  s.track_pid_files(dir.path());
  EXPECT_EQ(s.tracked(), 1u);
  s.expect_gone(0ms);  // start() returned: the daemon it left is dead and reaped
  s.note("ProcessExitedWithError after " + ms(took));
}

TEST(ServiceFaults, ServiceIgnoringSigtermIsKilledAfterTheStopTimeout) {
  Scenario s("service ignores SIGTERM");
  OutputExecutor ex(Command(std::vector<std::string>{fixture("term_ignorer")}), "^ready$",
                    {.stop_timeout = 200ms});
  ex.start();
  s.track(ex.pid(), "term_ignorer");
  const auto t0 = Clock::now();
  EXPECT_NO_THROW(ex.stop()) << "escalation is a warning, not an error";
  const auto took = Clock::now() - t0;
  EXPECT_EQ(ex.returncode(), std::optional<int>(-SIGKILL));
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
  s.expect_gone(0ms);
  s.note("SIGKILL after " + ms(took));
}

class DaemonFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(DaemonFaults, SetsidDoubleForkDaemonIsStopped) {
  const std::string variant = GetParam();
  Scenario s("setsid double-fork daemon" +
             std::string(variant.empty() ? " (with environment)" : " (emptied environment)"));
  test::TempDir dir;
  std::vector<std::string> argv{fixture("daemon"), (dir / "daemon.pid").string()};
  if (!variant.empty()) argv.push_back(variant);
  SimpleExecutor ex(argv);
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0) << ex.err_output();
  const pid_t daemon = test::read_pid_file(dir / "daemon.pid");
  ASSERT_TRUE(test::alive(daemon));
  EXPECT_NE(::getsid(daemon), ::getsid(ex.pid())) << "the daemon left the session";
  s.track(daemon, "daemon");
  const auto t0 = Clock::now();
  ex.stop();
  s.expect_gone(0ms);
  s.note("stopped in " + ms(Clock::now() - t0));
}

INSTANTIATE_TEST_SUITE_P(Env, DaemonFaults, ::testing::Values("", "--clear-env"),
                         [](const auto& info) {
                           return std::string(*info.param ? "ClearEnv" : "WithEnv");
                         });

TEST(ServiceFaults, DaemonKeepingTheOutputPipeOpenDoesNotBlockStop) {
  Scenario s("daemon child keeps the output pipe open");
  test::TempDir dir;
  SimpleExecutor ex({fixture("daemon"), (dir / "daemon.pid").string(), "--keep-output"});
  ex.start();
  ASSERT_EQ(ex.wait(10s), 0) << "the exit is seen although the pipe stays open";
  EXPECT_TRUE(contains(ex.output(), "daemon started"));
  s.track(test::read_pid_file(dir / "daemon.pid"), "daemon holding stdout");
  const auto t0 = Clock::now();
  ex.stop();
  const auto took = Clock::now() - t0;
  EXPECT_LT(took, 1s);
  s.expect_gone(0ms);
  s.note("stop() took " + ms(took));
}

TEST(ServiceFaults, ReadinessWaitOnAnOpenPipeTimesOutAndCleansUp) {
  Scenario s("daemon keeps the pipe open, banner never comes");
  test::TempDir dir;
  OutputExecutor ex({fixture("daemon"), (dir / "daemon.pid").string(), "--keep-output"},
                    "^never printed$", {.timeout = 500ms});
  try {
    ex.start();
    ADD_FAILURE() << "start() returned";
  } catch (const TimeoutExpired& e) {
    EXPECT_EQ(e.timeout(), 500ms);
    EXPECT_TRUE(contains(e.what(), "daemon started")) << "the output tail: " << e.what();
  }
  s.track_pid_files(dir.path());
  EXPECT_EQ(s.tracked(), 1u);
  s.expect_gone(0ms);
  EXPECT_FALSE(ex.running());
}

TEST(ServiceFaults, OneGigabyteOfOutputIsDrainedWithBoundedMemory) {
  Scenario s("1 GB of output");
  const long hwm_before = vm_hwm_kib();
  SimpleExecutor ex({fixture("writer"), "1024", "all written"});
  const auto t0 = Clock::now();
  ex.start();
  s.track(ex.pid(), "writer");
  ASSERT_EQ(ex.wait(100s), std::optional<int>(0)) << "a writer of 1 GiB never blocks";
  const std::chrono::duration<double> took = Clock::now() - t0;
  ex.stop();
  const std::string out = ex.output();
  EXPECT_LE(out.size(), ex.options().output_limit);
  EXPECT_GE(out.size(), ex.options().output_limit - 1024) << "the ring is kept full";
  EXPECT_TRUE(out.size() >= 12 && out.compare(out.size() - 12, 12, "all written\n") == 0)
      << "the newest bytes are kept";
  const long grown_mib = (vm_hwm_kib() - hwm_before) / 1024;
  EXPECT_LT(grown_mib, 64) << "peak RSS grew by " << grown_mib << " MiB";
  s.expect_gone(0ms);
  char note[96];
  std::snprintf(note, sizeof note, "%.0f MiB/s, peak RSS +%ld MiB", 1024 / took.count(), grown_mib);
  s.note(note);
}

template <typename Fn>
SpawnError expect_spawn_error(Fn&& start, std::chrono::duration<double, std::milli>& took) {
  const auto t0 = Clock::now();
  try {
    start();
  } catch (const SpawnError& e) {
    took = Clock::now() - t0;
    return e;
  }
  ADD_FAILURE() << "no SpawnError";
  return SpawnError("", 0, "", "");
}

TEST(ServiceFaults, MissingBinaryIsSpawnErrorEnoent) {
  Scenario s("missing binary");
  std::chrono::duration<double, std::milli> took{};
  SimpleExecutor by_path({"/nonexistent/mk-no-such-binary", "--flag"});
  const SpawnError e1 = expect_spawn_error([&] { by_path.start(); }, took);
  EXPECT_EQ(e1.errno_value(), ENOENT);
  EXPECT_TRUE(contains(e1.what(), "/nonexistent/mk-no-such-binary")) << e1.what();
  SimpleExecutor by_name(Command(std::vector<std::string>{"mk-no-such-binary"}),
                         {.env = {{"PATH", "/usr/bin:/bin"}}});
  const SpawnError e2 = expect_spawn_error([&] { by_name.start(); }, took);
  EXPECT_EQ(e2.errno_value(), ENOENT);
  EXPECT_TRUE(contains(e2.what(), "PATH")) << "says where it looked: " << e2.what();
  EXPECT_LT(took.count(), 1000.0);
  EXPECT_FALSE(by_name.running());
  s.note("SpawnError(ENOENT) in " + ms(took));
}

TEST(ServiceFaults, NonExecutableFileIsSpawnErrorEacces) {
  Scenario s("non-executable file");
  test::TempDir dir;
  const auto script = dir / "not-executable.sh";
  std::ofstream(script) << "#!/bin/sh\necho hello\n";
  ::chmod(script.c_str(), 0644);
  std::chrono::duration<double, std::milli> took{};
  SimpleExecutor ex(Command(std::vector<std::string>{script.string()}));
  const SpawnError e = expect_spawn_error([&] { ex.start(); }, took);
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_TRUE(contains(e.what(), "chmod")) << "says what to do: " << e.what();
  s.note("SpawnError(EACCES) in " + ms(took));
}

TEST(ServiceFaults, BadCwdIsSpawnErrorAtChdir) {
  Scenario s("bad cwd");
  test::TempDir dir;
  std::chrono::duration<double, std::milli> took{};
  SimpleExecutor ex(Command(std::vector<std::string>{fixture("sleeper")}),
                    {.cwd = dir / "does-not-exist"});
  const SpawnError e = expect_spawn_error([&] { ex.start(); }, took);
  EXPECT_EQ(e.stage(), "chdir");
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_TRUE(contains(e.what(), "does-not-exist")) << e.what();
  s.note("SpawnError(chdir, ENOENT) in " + ms(took));
}

TEST(ServiceFaults, PortAlreadyTakenIsAlreadyRunningAndStartsNothing) {
  Scenario s("port already taken");
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  TcpExecutor ex({fixture("tcp_server"), "--port", std::to_string(port)}, "127.0.0.1", port);
  try {
    ex.start();
    ADD_FAILURE() << "start() returned";
  } catch (const AlreadyRunning& e) {
    EXPECT_TRUE(contains(e.what(), std::to_string(port))) << e.what();
  }
  EXPECT_EQ(ex.pid(), -1) << "nothing was spawned";
  ::close(holder);
}

TEST(ServiceFaults, SocketPathTooLongIsAClearError) {
  Scenario s("socket path too long");
  test::TempDir dir;
  const auto socket = dir / std::string(120, 's');
  try {
    UnixSocketExecutor ex({fixture("unix_server"), socket.string()}, socket);
    ADD_FAILURE() << "constructed";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "107")) << "names the limit: " << e.what();
  }
}

SimpleExecutor& shared_service() {
  static SimpleExecutor service(
      Command(std::vector<std::string>{fixture("sleeper")}));  // destroyed at exit: in forks too
  return service;
}

TEST(ServiceFaults, DeathTestAndForkNeverStopTheParentsServices) {
  Scenario s("death-test fork");
  SimpleExecutor& service = shared_service();
  service.start();
  const pid_t pid = service.pid();
  s.track(pid, "parent's service");
  const std::string style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "fast");  // fork() without exec: the copy shares everything
  EXPECT_EXIT(
      {
        service.stop();
        service.kill();
        service.signal(SIGKILL);
        std::exit(3);  // NOLINT(concurrency-mt-unsafe): static destructors in the fork are the
                       // point  // static destructors run here, in the fork
      },
      ::testing::ExitedWithCode(3), "");
  GTEST_FLAG_SET(death_test_style, style);
  // A plain fork() whose copy destroys a moved executor and exits normally.
  const pid_t child = ::fork();
  if (child == 0) {
    SimpleExecutor moved(std::move(service));
    moved.stop();
    std::exit(0);  // NOLINT(concurrency-mt-unsafe): as above
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(service.running()) << "the forks left the parent's service alone";
  EXPECT_EQ(service.pid(), pid);
  EXPECT_TRUE(test::alive(pid));
  service.stop();
  s.expect_gone(0ms);
  s.note("service alive after 2 forks exited, then stopped");
}

TEST(ServiceFaults, FiftyStartStopCyclesOfOneExecutorLeakNothing) {
  Scenario s("50 start/stop of one executor");
  SimpleExecutor ex(fixture("sleeper") + " 1000 & exec " + fixture("sleeper") + " 1001",
                    {.shell = true});
  ex.start();  // the first start creates the runner-wide output pump (one epoll descriptor)
  s.track(ex.pid(), "warm-up");
  ex.stop();
  const std::size_t fds_before = open_fds();
  const auto t0 = Clock::now();
  for (int i = 0; i < 50; ++i) {
    ex.start();
    ASSERT_TRUE(ex.running());
    s.track(ex.pid(), "cycle " + std::to_string(i));
    ex.stop();
    EXPECT_EQ(ex.pid(), -1);
  }
  const auto per_cycle = (Clock::now() - t0) / 50;
  s.expect_gone(0ms);
  EXPECT_EQ(open_fds(), fds_before) << "no descriptor leaked";
  s.note("start+stop " + ms(per_cycle) + " per cycle, descriptors back to " +
         std::to_string(fds_before));
}

}  // namespace
}  // namespace mirakuru
