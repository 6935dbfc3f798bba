// ServiceSet features with real processes (mk_svc_service): executors from `ready`, variables,
// env, shell, setup, tmpdir, logs, auto-port retry, endpoints/attach, restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "mirakuru/errors.hpp"
#include "mirakuru/executors.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Listens on 127.0.0.1:port for the lifetime of the object (to steal a reserved port).
class Squatter {
 public:
  explicit Squatter(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ =
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd_, 4) == 0;
  }
  ~Squatter() { ::close(fd_); }
  bool ok() const { return ok_; }

 private:
  int fd_;
  bool ok_ = false;
};

TEST(ServiceSet, EachReadyKindBuildsItsExecutor) {
  auto set = test::svc_set(R"({"services": {
    "none": {"command": "${vars.svc}"},
    "out": {"command": "${vars.svc} --banner hello", "ready": {"output": {"banner": "^hel+o$"}}},
    "tcp": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "http": {"command": ["${vars.svc}", "--port", "${port}", "--http"], "port": "auto",
             "ready": {"http": {"url": "${url}/health?x=1", "status": 200, "method": "GET"}}},
    "unix": {"command": "${vars.svc} --unix ${tmpdir}/s.sock",
             "ready": {"unix_socket": {"path": "${tmpdir}/s.sock"}}},
    "file": {"command": "${vars.svc} --touch ${tmpdir}/pid", "ready": {"file": {"path": "${tmpdir}/pid"}}},
    "exec": {"command": "${vars.svc} --touch ${tmpdir}/pid",
             "ready": {"exec": {"command": ["test", "-s", "${tmpdir}/pid"]}}}
  }})");
  EXPECT_EQ(typeid(set.executor("none")), typeid(SimpleExecutor));
  EXPECT_NE(dynamic_cast<OutputExecutor*>(&set.executor("out")), nullptr);
  auto* tcp = dynamic_cast<TcpExecutor*>(&set.executor("tcp"));
  ASSERT_NE(tcp, nullptr);
  EXPECT_EQ(tcp->port(), set.port("tcp"));
  EXPECT_EQ(tcp->host(), "127.0.0.1");
  auto* http = dynamic_cast<HttpExecutor*>(&set.executor("http"));
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url(), set.url("http") + "/health?x=1");
  EXPECT_NE(dynamic_cast<UnixSocketExecutor*>(&set.executor("unix")), nullptr);
  EXPECT_NE(dynamic_cast<PidExecutor*>(&set.executor("file")), nullptr);
  EXPECT_NE(dynamic_cast<ExecProbeExecutor*>(&set.executor("exec")), nullptr);

  set.start();
  EXPECT_TRUE(set.running());
  EXPECT_TRUE(std::filesystem::exists(set.tmpdir("unix") / "s.sock"));
  EXPECT_THAT(set.executor("out").output(), HasSubstr("hello"));
  set.stop();
  EXPECT_FALSE(set.running());
  for (const auto& name : set.names()) EXPECT_EQ(set.executor(name).pid(), -1) << name;
}

TEST(ServiceSet, OptionsComeFromJson) {
  ::setenv("MK_SVC_TEST_INHERITED", "inherited", 1);
  auto set = test::svc_set(R"({"vars": {"greeting": "hi ${name}"}, "services": {
    "a": {"command": ["${vars.svc}", "--print-env", "GREETING", "--print-env", "MK_SVC_TEST_INHERITED",
                      "--print-env", "PORT_AS_ENV", "--print-env", "DEFAULTED"],
          "port": "auto",
          "env": {"GREETING": "${vars.greeting}", "MK_SVC_TEST_INHERITED": null,
                  "PORT_AS_ENV": "${port}", "DEFAULTED": "${env.MK_SVC_TEST_NOPE:-fallback value}"},
          "ready": {"output": {"banner": "ready", "stream": "stdout"}},
          "timeout": "5s", "stop_timeout": 2500, "stop_signal": "SIGINT", "kill_signal": 9,
          "expected_returncode": 0, "stderr": "null", "output_limit": 65536, "poll_max": "5ms",
          "cwd": "${tmpdir}"}
  }})");
  const Options& o = set.executor("a").options();
  EXPECT_EQ(o.timeout, std::chrono::seconds(5));
  EXPECT_EQ(o.stop_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(o.stop_signal, SIGINT);
  EXPECT_EQ(o.kill_signal, SIGKILL);
  EXPECT_EQ(o.expected_returncode, 0);
  EXPECT_EQ(o.stderr_mode, Stdio::Null);
  EXPECT_EQ(o.output_limit, 65536u);
  EXPECT_EQ(o.poll_max, std::chrono::milliseconds(5));
  EXPECT_EQ(o.cwd, set.tmpdir("a"));
  EXPECT_EQ(o.log_file, set.log_file("a"));
  set.start();
  const std::string out = set.executor("a").output();
  EXPECT_THAT(out, HasSubstr("GREETING=hi a\n"));
  EXPECT_THAT(out, HasSubstr("MK_SVC_TEST_INHERITED unset\n"));
  EXPECT_THAT(out, HasSubstr("PORT_AS_ENV=" + std::to_string(set.port("a")) + "\n"));
  EXPECT_THAT(out, HasSubstr("DEFAULTED=fallback value\n"));
  set.stop();
  ::unsetenv("MK_SVC_TEST_INHERITED");
  EXPECT_EQ(set.executor("a").returncode(), 0);  // exited by itself on SIGINT
}

TEST(ServiceSet, StringCommandsKeepValuesWithSpacesInOneArgument) {
  auto set = test::svc_set(R"({"vars": {"v": "two words"}, "services": {
    "a": {"command": "${vars.svc} --banner ${vars.v} --x '${vars.v} more' $HOME",
          "ready": {"output": {"banner": "^two words$"}}}}})");
  EXPECT_EQ(set.executor("a").command().argv,
            (std::vector<std::string>{test::fixture("svc_service"), "--banner", "two words", "--x",
                                      "two words more", "$HOME"}));
  set.start();
  set.stop();
}

// Bytes the template code once used as markers are plain input (issue 16, item 6: these
// crashed from_string with an out-of-bounds access and std::invalid_argument("stoul")).
TEST(ServiceSet, ControlBytesInCommandsAreKept) {
  for (const char* command :
       {R"(echo \u00015 x)", R"(echo \u0001x\u0001)", R"(echo \u00010\u0001${port})"}) {
    auto set = ServiceSet::from_string(
        std::string(R"({"services": {"a": {"port": 7, "command": ")") + command + "\"}}}");
    EXPECT_EQ(set.executor("a").command().argv.at(0), "echo") << command;
  }
  auto set = ServiceSet::from_string(R"({"services": {"a": {"port": 7,
    "command": "echo \u00010\u0001${port}\u0001"}}})");
  EXPECT_EQ(set.executor("a").command().argv.at(1),
            "\x01"
            "0\x01"
            "7\x01");
}

TEST(ServiceSet, ShellCommandsGetQuotedValues) {
  auto set = test::svc_set(R"({"vars": {"v": "it's a $test"}, "services": {
    "a": {"command": "printf '<%s>\\n' ${vars.v} \"$MK_SHELL_VAR\" && exec ${vars.svc} --banner up",
          "shell": true, "env": {"MK_SHELL_VAR": "from shell"},
          "ready": {"output": {"banner": "^up$"}}}}})");
  set.start();
  EXPECT_THAT(set.executor("a").output(), HasSubstr("<it's a $test>\n<from shell>\n"));
  set.stop();
}

TEST(ServiceSet, SetupCommandsRunInOrderBeforeTheService) {
  auto set = test::svc_set(R"({"services": {
    "db": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "api": {"command": "${vars.svc} --banner up", "depends_on": ["db"],
            "setup": [["sh", "-c", "echo one $1 >> ${tmpdir}/setup.txt", "-", "${services.db.port}"],
                      "sh -c 'echo two >> ${tmpdir}/setup.txt'",
                      ["sh", "-c", "test -f ${tmpdir}/setup.txt"]],
            "ready": {"output": {"banner": "up"}}}}})");
  set.start();
  EXPECT_EQ(test::read_file(set.tmpdir("api") / "setup.txt"),
            "one " + std::to_string(set.port("db")) + "\ntwo\n");
  set.stop();
}

TEST(ServiceSet, FailingSetupIsReportedWithItsOutput) {
  auto set = test::svc_set(R"({"services": {
    "db": {"command": "${vars.svc}", "setup": ["true", "sh -c 'echo migration broke >&2; exit 3'"]}}})");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_THAT(e.what(), StartsWith("service 'db': setup command 2/2 `sh -c"));
    EXPECT_THAT(e.what(), HasSubstr("exited with code 3"));
    EXPECT_THAT(e.what(), HasSubstr("migration broke"));
  }
  EXPECT_EQ(set.executor("db").pid(), -1);
  EXPECT_FALSE(set.executor("db").returncode().has_value());  // never started
}

TEST(ServiceSet, TmpdirIsFreshShortAndKeptAcrossRestarts) {
  test::TempDir base;
  ::setenv("TEST_TMPDIR", base.path().c_str(), 1);
  auto set = test::svc_set(
      R"({"services": {"a": {"command": "${vars.svc}"}, "b": {"command": "${vars.svc}"}}})");
  ::unsetenv("TEST_TMPDIR");
  const auto a = set.tmpdir("a");
  EXPECT_NE(a, set.tmpdir("b"));
  if (base.path().string().size() <= 50) {
    EXPECT_EQ(a.parent_path().parent_path(), base.path());
  }
  EXPECT_LT(a.string().size(), 80u);
  EXPECT_TRUE(std::filesystem::is_directory(a));
  set.start();
  std::ofstream(a / "data") << "x";
  set.stop();
  set.start();  // a restart finds its data (the directory goes with the set)
  EXPECT_TRUE(std::filesystem::exists(a / "data"));
  set.stop();
}

TEST(ServiceSet, ScratchDirectoryGoesWithTheSet) {
  std::filesystem::path scratch;
  {
    auto set = test::svc_set(R"({"services": {"a": {"command": "${vars.svc}"}}})");
    scratch = set.tmpdir("a").parent_path();
    EXPECT_TRUE(std::filesystem::exists(scratch));
  }
  EXPECT_FALSE(std::filesystem::exists(scratch));
}

TEST(ServiceSet, LogsGoToMirakuruLogDir) {
  test::TempDir logs;
  ::setenv("MIRAKURU_LOG_DIR", logs.path().c_str(), 1);
  auto set = test::svc_set(R"({"services": {
    "a": {"command": "${vars.svc} --banner logged-line", "ready": {"output": {"banner": "logged"}}},
    "b": {"command": "${vars.svc}", "log_file": "custom/b.log"}}})");
  ::unsetenv("MIRAKURU_LOG_DIR");
  EXPECT_EQ(set.log_file("a").parent_path(), logs.path());
  EXPECT_THAT(set.log_file("a").filename().string(), HasSubstr("-p" + std::to_string(::getpid())));
  EXPECT_EQ(set.log_file("b"), logs.path() / "custom" / "b.log");
  set.start();
  set.stop();
  EXPECT_THAT(test::read_file(set.log_file("a")), HasSubstr("logged-line"));
  EXPECT_TRUE(std::filesystem::exists(set.log_file("b")));
}

TEST(ServiceSet, RelativeProgramsResolveAgainstTheConfigFile) {
  test::TempDir dir;
  std::filesystem::create_symlink(test::fixture("svc_service"), dir / "svc");
  std::ofstream(dir / "services.json") << R"({"services": {
    "a": {"command": "./svc --banner from-file ${config_dir}", "ready": {"output": {"banner": "from-file"}}}}})";
  auto set = ServiceSet::from_file(dir / "services.json");
  EXPECT_EQ(set.executor("a").command().argv[0], (dir / "svc").string());
  EXPECT_EQ(set.executor("a").command().argv[3], dir.path().string());
  set.start();
  set.stop();
}

TEST(ServiceSet, ReadyPathsAreRelativeToTheServiceCwd) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "work");
  auto set = ServiceSet::from_json(test::with_svc(R"({"services": {
    "a": {"command": "${vars.svc} --touch ready.pid", "cwd": "work",
          "ready": {"file": {"path": "ready.pid"}}}}})"),
                                   dir.path());
  EXPECT_EQ(set.executor("a").options().cwd, dir / "work");
  set.start();
  EXPECT_TRUE(std::filesystem::exists(dir / "work" / "ready.pid"));
  set.stop();
}

TEST(ServiceSet, AutoPortTakenBeforeStartIsRetriedOnANewPort) {
  auto set = test::svc_set(R"({"services": {
    "probe": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "binder": {"command": "${vars.svc} --port ${port}", "port": "auto",
               "ready": {"output": {"banner": "^ready$"}}},
    "user": {"command": "${vars.svc} --needs-port ${services.probe.port} --banner ok",
             "depends_on": ["probe"], "ready": {"output": {"banner": "ok"}}}}})");
  const int probe_port = set.port("probe");
  const int binder_port = set.port("binder");
  Squatter a(probe_port);   // TcpExecutor: AlreadyRunning before spawning
  Squatter b(binder_port);  // the service itself: exits "Address already in use"
  ASSERT_TRUE(a.ok() && b.ok());
  set.start();
  EXPECT_NE(set.port("probe"), probe_port);
  EXPECT_NE(set.port("binder"), binder_port);
  // The dependent saw the new port.
  EXPECT_THAT(set.executor("user").output(),
              HasSubstr("--needs-port " + std::to_string(set.port("probe"))));
  set.stop();
}

// Only what the service printed tells a lost port: the tail's header names the command, and a
// command line that merely mentions one must not turn an ordinary failure into a port retry.
TEST(ServiceSet, ACommandThatMentionsATakenPortIsNotRetriedForIt) {
  test::TempDir dir;
  const auto starts = dir / "starts";
  nlohmann::json config = {{"services",
                            {{"a",
                              {{"command",
                                {"sh", "-c", "echo start >> \"$0\"; echo broken config; exit 3",
                                 starts.string(), "--on-error 'port is already taken'"}},
                               {"port", "auto"},
                               {"ready", {{"tcp", nlohmann::json::object()}}}}}}}};
  auto set = ServiceSet::from_json(config);
  try {
    set.start();
    FAIL() << "started";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken config"));
  }
  std::ifstream in(starts);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 1) << "retried on a new port, though the service never said its port was taken";
}

TEST(ServiceSet, EndpointsAndAttach) {
  auto set = test::svc_set(R"({"services": {
    "db": {"command": "${vars.svc}", "port": "auto", "ports": {"admin": "auto"}, "host": "localhost"},
    "api": {"command": "${vars.svc}", "port": "auto", "depends_on": ["db"]}}})");
  const nlohmann::json published = set.endpoints();
  EXPECT_EQ(published["db"]["port"], set.port("db"));
  EXPECT_EQ(published["db"]["ports"]["admin"], set.port("db", "admin"));
  EXPECT_EQ(published["db"]["url"], "http://localhost:" + std::to_string(set.port("db")));

  auto view = ServiceSet::attach(nlohmann::json::parse(published.dump()));
  EXPECT_TRUE(view.attached());
  EXPECT_FALSE(set.attached());
  EXPECT_EQ(view.names(), set.names());
  EXPECT_EQ(view.names(), (std::vector<std::string>{"db", "api"}));
  EXPECT_EQ(view.port("api"), set.port("api"));
  EXPECT_EQ(view.port("db", "admin"), set.port("db", "admin"));
  EXPECT_EQ(view.host("db"), "localhost");
  EXPECT_EQ(view.url("api"), set.url("api"));
  EXPECT_EQ(view.tmpdir("db"), set.tmpdir("db"));
  EXPECT_EQ(view.log_file("db"), set.log_file("db"));
  EXPECT_THROW(view.executor("db"), std::logic_error);
  view.start();  // does nothing: the owner runs them
  view.stop();
  EXPECT_EQ(set.executor("db").pid(), -1);
}

TEST(ServiceSet, UnknownNamesAndPorts) {
  auto set = test::svc_set(R"({"services": {"db": {"command": "${vars.svc}", "port": 1}}})");
  try {
    set.port("dbb");
    FAIL() << "no error";
  } catch (const std::out_of_range& e) {
    EXPECT_THAT(e.what(), HasSubstr("no service \"dbb\" in this set (did you mean \"db\"?)"));
  }
  EXPECT_THROW(set.port("db", "admin"), std::out_of_range);
  EXPECT_EQ(set.port("db"), 1);
  EXPECT_EQ(set.size(), 1u);
}

TEST(ServiceSet, MovedSetKeepsItsServices) {
  auto set = test::svc_set(R"({"services": {"a": {"command": "${vars.svc}"}}})");
  set.start();
  const pid_t pid = set.executor("a").pid();
  ServiceSet moved = std::move(set);
  EXPECT_TRUE(test::alive(pid));
  EXPECT_EQ(moved.executor("a").pid(), pid);
  moved.stop();
  EXPECT_TRUE(test::gone_within(pid, std::chrono::seconds(5)));
}

TEST(ServiceSet, DestructorStopsEverything) {
  pid_t pid = -1;
  {
    auto set = test::svc_set(R"({"services": {"a": {"command": "${vars.svc}"}}})");
    set.start();
    pid = set.executor("a").pid();
    ASSERT_TRUE(test::alive(pid));
  }
  EXPECT_TRUE(test::gone_within(pid, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace mirakuru

namespace mirakuru {
namespace {

TEST(ServiceSetUser, RunsAsTheUserWhoOwnsItsTmpdir) {
  if (::geteuid() != 0) GTEST_SKIP() << "running as another user needs root";
  test::TempDir logs;  // the log file is opened by the runner (root), so any directory works
  ::setenv("MIRAKURU_LOG_DIR", logs.path().c_str(), 1);
  auto set = test::svc_set(R"({"services": {
    "n": {"command": "${vars.svc} --touch ${tmpdir}/pid", "user": "nobody",
          "setup": [["sh", "-c", "id -u > ${tmpdir}/setup-uid"]],
          "ready": {"file": {"path": "${tmpdir}/pid"}}}}})");
  ::unsetenv("MIRAKURU_LOG_DIR");
  set.start();
  struct stat st {};
  ASSERT_EQ(::stat(set.tmpdir("n").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  ASSERT_EQ(::stat((set.tmpdir("n") / "pid").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);  // created by the service itself
  EXPECT_EQ(test::read_file(set.tmpdir("n") / "setup-uid"), "65534\n");
  set.stop();
}

}  // namespace
}  // namespace mirakuru
