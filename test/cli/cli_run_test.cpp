// `mirakuru run FILE -- CMD` and the endpoint environment, run as a process.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_support.hpp"

namespace mirakuru::test {
namespace {

class CliRun : public ::testing::Test {
 protected:
  std::filesystem::path config(const nlohmann::json& set) {
    auto file = dir_ / "services.json";
    write_file(file, set.dump(2));
    return file;
  }
  pid_t pid_of(const std::string& service) {
    const pid_t pid = read_pid_file(dir_ / (service + ".pid"));
    EXPECT_GT(pid, 0) << "no pid file for " << service;
    return pid;
  }

  TempDir dir_;
};

TEST_F(CliRun, GivesTheCommandTheEndpointEnvironment) {
  auto set = svc_set(dir_.path(), {"db"});
  set["services"]["api-v2"] = {{"command", {fixture("svc_service")}},
                               {"ports", {{"http", "auto"}, {"grpc-x", "auto"}}}};
  auto file = config(set);
  auto r = mirakuru_cli({"run", file.string(), "--", "sh", "-c",
                         "echo \"$MIRAKURU_DB_PORT|$MIRAKURU_DB_HOST|$MIRAKURU_DB_URL|"
                         "$MIRAKURU_DB_TMPDIR|$MIRAKURU_API_V2_PORT_HTTP|"
                         "$MIRAKURU_API_V2_PORT_GRPC_X|${MIRAKURU_API_V2_PORT-unset}\"; "
                         "printf '%s' \"$MIRAKURU_ENDPOINTS\" >&2"});
  ASSERT_EQ(r.status, 0) << r.all();
  auto endpoints = nlohmann::json::parse(r.err);
  const auto& db = endpoints.at("db");
  const int port = db.at("port").get<int>();
  EXPECT_GT(port, 0);
  std::ostringstream expected;
  expected << port << "|127.0.0.1|http://127.0.0.1:" << port << "|"
           << db.at("tmpdir").get<std::string>() << "|"
           << endpoints.at("api-v2").at("ports").at("http").get<int>() << "|"
           << endpoints.at("api-v2").at("ports").at("grpc-x").get<int>() << "|unset\n";
  EXPECT_EQ(r.out, expected.str());
  EXPECT_TRUE(gone_within(pid_of("db"), std::chrono::seconds(5))) << "the set was not stopped";
}

TEST_F(CliRun, ExitsWithTheCommandsStatus) {
  auto file = config(svc_set(dir_.path(), {"db"}));
  EXPECT_EQ(mirakuru_cli({"run", file.string(), "--", "sh", "-c", "exit 7"}).status, 7);
  EXPECT_EQ(mirakuru_cli({"run", file.string(), "--", "sh", "-c", "exit 0"}).status, 0);
}

TEST_F(CliRun, ExitsWith128PlusTheSignalThatKilledTheCommand) {
  auto file = config(svc_set(dir_.path(), {"db"}));
  auto r = mirakuru_cli({"run", file.string(), "--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.status, 128 + SIGTERM) << r.all();
  EXPECT_TRUE(gone_within(pid_of("db"), std::chrono::seconds(5)));
}

TEST_F(CliRun, MissingCommandExits127WithTheSetStopped) {
  auto file = config(svc_set(dir_.path(), {"db"}));
  auto r = mirakuru_cli({"run", file.string(), "--", "mk-no-such-command-here", "arg"});
  EXPECT_EQ(r.status, 127) << r.all();
  EXPECT_NE(r.err.find("mirakuru run: cannot run 'mk-no-such-command-here'"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("services were stopped"), std::string::npos) << r.err;
  EXPECT_TRUE(gone_within(pid_of("db"), std::chrono::seconds(5)));
}

TEST_F(CliRun, SetThatFailsToStartExits1WithoutRunningTheCommand) {
  auto set = svc_set(dir_.path(), {"db"}, "--fail 3");
  auto file = config(set);
  const auto marker = dir_ / "ran";
  auto r = mirakuru_cli({"run", file.string(), "--", "touch", marker.string()});
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.err.find("service 'db'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the command was not run"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(CliRun, InvalidConfigExits1NamingTheJsonPath) {
  auto file = config({{"services", {{"db", {{"command", "x"}, {"portt", 1}}}}}});
  auto r = mirakuru_cli({"run", file.string(), "--", "true"});
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.err.find("/services/db"), std::string::npos) << r.err;
}

TEST(CliUsage, BadArgumentsExit2AndPointAtHelp) {
  auto r = mirakuru_cli({"run", "/nonexistent/mk.json", "--", "true"});
  EXPECT_EQ(r.status, 2) << r.all();
  EXPECT_NE(r.err.find("mirakuru run: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mirakuru run --help"), std::string::npos) << r.err;
  auto none = mirakuru_cli({});
  EXPECT_EQ(none.status, 2) << none.all();
  EXPECT_NE(none.err.find("mirakuru --help"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace mirakuru::test
