// Sets described in C++ start real processes: every ready kind, health, named ports, env (set
// and removed), cwd, setup commands, depends_on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "mirakuru/executor.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/service_set.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string svc() { return test::fixture("svc_service"); }

TEST(DescriptionStart, EveryReadyKindStarts) {
  auto set = ServiceSet::from_description(
      {.vars = {{"svc", svc()}},
       .services = {
           {"out",
            {.command = "${vars.svc} --banner 'hello there'",
             .ready = ready::output("^hello there$", 1, OutputStreams::Stdout)}},
           {"tcp",
            {.command = {"${vars.svc}", "--port", "${port}", "--delay", "50"},
             .port = auto_port,
             .ready = ready::tcp()}},
           {"tcp2",
            {.command = "${vars.svc} --port ${ports.admin}",
             .ports = {{"admin", auto_port}},
             .ready = ready::tcp("${host}", "${ports.admin}")}},
           {"http",
            {.command = "${vars.svc} --port ${port} --http",
             .port = auto_port,
             .ready = ready::http("${url}/health", {.status = "^200$", .method = "GET"})}},
           {"unix",
            {.command = "${vars.svc} --unix ${tmpdir}/s.sock",
             .ready = ready::unix_socket("${tmpdir}/s.sock")}},
           {"file",
            {.command = "${vars.svc} --touch ${tmpdir}/up --delay 50",
             .ready = ready::file("${tmpdir}/up")}},
           {"exec",
            {.command = "${vars.svc} --touch ${tmpdir}/up",
             .ready = ready::exec({"test", "-e", "${tmpdir}/up"})}},
           {"any",
            {.command = "${vars.svc} --port ${port}",
             .port = auto_port,
             .ready = ready::any_of({ready::file("${tmpdir}/never"), ready::tcp()})}},
       }});
  EXPECT_NE(dynamic_cast<OutputExecutor*>(&set.executor("out")), nullptr);
  EXPECT_NE(dynamic_cast<TcpExecutor*>(&set.executor("tcp")), nullptr);
  EXPECT_NE(dynamic_cast<HttpExecutor*>(&set.executor("http")), nullptr);
  EXPECT_NE(dynamic_cast<UnixSocketExecutor*>(&set.executor("unix")), nullptr);
  EXPECT_NE(dynamic_cast<PidExecutor*>(&set.executor("file")), nullptr);
  EXPECT_NE(dynamic_cast<ExecProbeExecutor*>(&set.executor("exec")), nullptr);
  const auto* any = dynamic_cast<const Executor*>(&set.executor("any"));
  ASSERT_NE(any, nullptr);
  EXPECT_THAT(any->probe()->describe(), HasSubstr("any of ("));
  set.start();
  EXPECT_TRUE(set.running());
  EXPECT_THAT(set.executor("out").output(), HasSubstr("hello there"));
  EXPECT_TRUE(std::filesystem::exists(set.tmpdir("unix") / "s.sock"));
  EXPECT_GT(set.port("tcp2", "admin"), 0);
  set.stop();
  for (const auto& name : set.names()) EXPECT_EQ(set.executor(name).pid(), -1) << name;
}

TEST(DescriptionStart, OptionsEnvSetupCwdAndDependencies) {
  test::ScopedEnv inherited("MK_DESCRIBED_INHERITED", "inherited");
  auto set = ServiceSet::from_description(
      {.vars = {{"svc", svc()}, {"greeting", "hi ${name}"}},
       .services = {
           {"db",
            {.command = "${vars.svc} --port ${port}", .port = auto_port, .ready = ready::tcp()}},
           {"app",
            {.command = {"${vars.svc}", "--print-env", "GREETING", "--print-env",
                         "MK_DESCRIBED_INHERITED", "--print-env", "DB_PORT", "--needs-port",
                         "${services.db.port}"},
             .ready = ready::output("ready"),
             .depends_on = {"db"},
             .setup = {"touch ${tmpdir}/set-up", {"sh", "-c", "pwd > ${tmpdir}/setup-cwd"}},
             .options = {.cwd = "${tmpdir}",
                         .env = {{"GREETING", "${vars.greeting}"},
                                 {"DB_PORT", "${services.db.port}"}},
                         .timeout = 5s,
                         .stop_signal = SIGINT,
                         .env_remove = {"MK_DESCRIBED_INHERITED"}}}},
       }});
  EXPECT_EQ(set.names(), (std::vector<std::string>{"db", "app"}));
  const Options& o = set.executor("app").options();
  EXPECT_EQ(o.timeout, 5s);
  EXPECT_EQ(o.stop_signal, SIGINT);
  EXPECT_EQ(o.cwd, set.tmpdir("app"));
  set.start();
  const std::string out = set.executor("app").output();
  EXPECT_THAT(out, HasSubstr("GREETING=hi app\n"));
  EXPECT_THAT(out, HasSubstr("MK_DESCRIBED_INHERITED unset\n"));
  EXPECT_THAT(out, HasSubstr("DB_PORT=" + std::to_string(set.port("db")) + "\n"));
  EXPECT_TRUE(std::filesystem::exists(set.tmpdir("app") / "set-up"));
  EXPECT_EQ(test::read_file(set.tmpdir("app") / "setup-cwd"), set.tmpdir("app").string() + "\n");
  set.stop();
}

TEST(DescriptionStart, HealthChecksRunWithTheirIntervalAndFailures) {
  auto set = ServiceSet::from_description(
      {.services = {{"a",
                     {.command = {svc(), "--port", "${port}"},
                      .port = auto_port,
                      .ready = ready::tcp(),
                      .health = {.check = ready::tcp(), .interval = 20ms, .failures = 2}}}}});
  set.start();
  EXPECT_TRUE(set.healthy("a"));
  const ServiceHealth health = set.health("a");
  EXPECT_TRUE(health.checked);
  EXPECT_THAT(health.check, HasSubstr("TCP 127.0.0.1:" + std::to_string(set.port("a"))));
  set.stop();
}

}  // namespace
}  // namespace mirakuru
