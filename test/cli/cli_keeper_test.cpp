// `mirakuru up/down/status/env` and the keeper, run as processes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <thread>

#include "cli_support.hpp"

namespace mirakuru::test {
namespace {

using namespace std::chrono_literals;

class CliKeeper : public ::testing::Test, public KeeperFixture {
 protected:
  pid_t service_pid(const std::string& name = "db") {
    const pid_t pid = read_pid_file(dir() / (name + ".pid"));
    EXPECT_GT(pid, 0) << "no pid file for " << name;
    return pid;
  }
  int starts(const std::string& name = "db") { return line_count(dir() / (name + ".starts")); }
  // Both `up`s succeeded with the same endpoints, from one start of the service.
  void expect_one_keeper(const CliResult& a, const CliResult& b) {
    ASSERT_EQ(a.status, 0) << a.all();
    ASSERT_EQ(b.status, 0) << b.all();
    EXPECT_EQ(nlohmann::json::parse(a.out), nlohmann::json::parse(b.out));
    EXPECT_EQ(starts(), 1);
    EXPECT_EQ(down().status, 0);
  }
};

TEST_F(CliKeeper, UpPrintsTheEndpointsAndDownStopsEverything) {
  write_config(svc_set(dir(), {"db"}));
  auto up_result = up();
  ASSERT_EQ(up_result.status, 0) << up_result.all();
  auto endpoints = nlohmann::json::parse(up_result.out);
  EXPECT_GT(endpoints["db"]["port"].get<int>(), 0);
  const pid_t svc = service_pid();
  const pid_t keeper = keeper_pid();
  ASSERT_GT(keeper, 0);
  EXPECT_NE(parent_pid(keeper), ::getpid()) << "the keeper must not be our child";
  EXPECT_TRUE(alive(svc));

  auto s = status();
  ASSERT_EQ(s["sets"].size(), 1u) << s.dump(2);
  EXPECT_EQ(s["sets"][0]["services"]["db"]["pid"].get<int>(), svc);
  EXPECT_EQ(s["sets"][0]["services"]["db"]["port"], endpoints["db"]["port"]);
  EXPECT_TRUE(s["sets"][0]["services"]["db"]["healthy"].get<bool>());
  EXPECT_FALSE(s["sets"][0]["stale"].get<bool>());

  auto d = down();
  EXPECT_EQ(d.status, 0) << d.all();
  EXPECT_FALSE(alive(svc));
  EXPECT_FALSE(alive(keeper)) << "down returns once the keeper is gone";
  EXPECT_FALSE(std::filesystem::exists(set_dir() / "run"));
  EXPECT_TRUE(status()["sets"].empty());
  EXPECT_FALSE(std::filesystem::exists(endpoints["db"]["tmpdir"].get<std::string>()));
}

TEST_F(CliKeeper, SecondUpReusesTheRunningKeeper) {
  write_config(svc_set(dir(), {"db"}));
  auto first = up();
  // Another path to the same file is the same set.
  expect_one_keeper(first,
                    cli({"up", (dir() / "." / "services.json").string(), "--watch-pid", "0"}));
}

TEST_F(CliKeeper, RacingUpsStartOneKeeper) {
  write_config(svc_set(dir(), {"db"}, "--delay 200"));
  std::vector<std::string> args{
      MIRAKURU_CLI, "up", config().string(), "--state-dir", state().string(), "--watch-pid", "0"};
  CliProcess a(args, {}), b(args, {});
  auto ra = a.finish();
  expect_one_keeper(ra, b.finish());
}

TEST_F(CliKeeper, SetThatFailsToStartExits1AndLeavesNothing) {
  write_config(svc_set(dir(), {"db"}, "--fail 3"));
  auto r = up();
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.err.find("mirakuru up: service 'db'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was left running"), std::string::npos) << r.err;
  EXPECT_TRUE(gone_within(service_pid(), 2s));
  EXPECT_FALSE(std::filesystem::exists(set_dir() / "run"));
  EXPECT_TRUE(status()["sets"].empty());
}

TEST_F(CliKeeper, StopsWhenTheWatchedProcessExits) {
  write_config(svc_set(dir(), {"db"}));
  CliProcess watched({"/bin/sleep", "30"}, {});
  auto r = up({"--watch-pid", std::to_string(watched.pid())});
  ASSERT_EQ(r.status, 0) << r.all();
  const pid_t keeper = keeper_pid();
  const pid_t svc = service_pid();
  ::kill(watched.pid(), SIGKILL);
  (void)watched.finish();
  EXPECT_TRUE(gone_within(keeper, 5s));
  EXPECT_TRUE(gone_within(svc, 1s));
  EXPECT_TRUE(status()["sets"].empty());
}

TEST_F(CliKeeper, WatchesTheParentOfUpByDefault) {
  write_config(svc_set(dir(), {"db"}));
  // The shell is `up`'s parent; it stays (as sleep) until the test kills it.
  const std::string script = std::string("'") + MIRAKURU_CLI + "' up '" + config().string() +
                             "' --state-dir '" + state().string() +
                             "' >/dev/null && echo UP && "
                             "exec sleep 30";
  CliProcess shell({"/bin/sh", "-c", script}, {});
  ASSERT_GT(read_pid_file(dir() / "db.pid"), 0);
  pid_t keeper = -1;
  for (int i = 0; i < 200 && keeper < 0; ++i) {
    keeper = keeper_pid();
    if (keeper < 0) std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(keeper, 0);
  ::kill(shell.pid(), SIGKILL);
  (void)shell.finish();
  EXPECT_TRUE(gone_within(keeper, 5s));
  EXPECT_TRUE(gone_within(service_pid(), 1s));
}

TEST_F(CliKeeper, LingerEndsAKeeperNobodyAttachesTo) {
  write_config(svc_set(dir(), {"db"}));
  const auto t0 = std::chrono::steady_clock::now();
  // Long enough that the keeper is still there when `up` has returned and its pid is read, even
  // under a sanitizer (300 ms was not, once, under ASan with the suite running beside it).
  ASSERT_EQ(up({"--watch-pid", "0", "--linger", "1500ms"}).status, 0);
  const pid_t keeper = keeper_pid();
  ASSERT_GT(keeper, 0);
  EXPECT_TRUE(gone_within(keeper, 6s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_FALSE(alive(service_pid()));
}

TEST_F(CliKeeper, KilledKeeperTakesItsServicesAndStatusCleansUp) {
  write_config(svc_set(dir(), {"db"}));
  auto r = up();
  ASSERT_EQ(r.status, 0);
  const auto tmpdir = nlohmann::json::parse(r.out)["db"]["tmpdir"].get<std::string>();
  const pid_t keeper = keeper_pid();
  ::kill(keeper, SIGKILL);
  EXPECT_TRUE(gone_within(service_pid(), 1s)) << "the guardian kills the service of a dead keeper";
  ASSERT_TRUE(gone_within(keeper, 2s));
  auto text = cli({"status"});
  EXPECT_NE(text.out.find("had died; its state was cleaned up"), std::string::npos) << text.all();
  EXPECT_FALSE(std::filesystem::exists(set_dir() / "run"));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(tmpdir).parent_path()));
  EXPECT_TRUE(status()["sets"].empty());
  // And the next `up` starts afresh.
  ASSERT_EQ(up().status, 0);
  EXPECT_EQ(starts(), 2);
  EXPECT_EQ(down().status, 0);
}

TEST_F(CliKeeper, ChangedConfigIsStaleAndRefusedByUp) {
  auto set = svc_set(dir(), {"db"});
  write_config(set);
  ASSERT_EQ(up().status, 0);
  set["vars"] = {{"changed", "yes"}};
  write_config(set);
  EXPECT_TRUE(status()["sets"][0]["stale"].get<bool>());
  EXPECT_NE(cli({"status"}).out.find("STALE"), std::string::npos);
  auto again = up();
  EXPECT_EQ(again.status, 1) << again.all();
  EXPECT_NE(again.err.find("changed since its keeper"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("mirakuru down"), std::string::npos) << again.err;
  EXPECT_EQ(down().status, 0);
}

TEST_F(CliKeeper, EnvPrintsExportLinesOfTheRunningSet) {
  write_config(svc_set(dir(), {"db"}));
  auto missing = cli({"env", config().string()});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("start it with `mirakuru up"), std::string::npos) << missing.err;
  auto r = up();
  ASSERT_EQ(r.status, 0);
  const int port = nlohmann::json::parse(r.out)["db"]["port"].get<int>();
  auto env = cli({"env", config().string()});
  EXPECT_EQ(env.status, 0) << env.all();
  EXPECT_NE(env.out.find("export MIRAKURU_DB_PORT=" + std::to_string(port) + "\n"),
            std::string::npos)
      << env.out;
  EXPECT_NE(env.out.find("export MIRAKURU_ENDPOINTS='{"), std::string::npos) << env.out;
  EXPECT_EQ(down().status, 0);
}

TEST_F(CliKeeper, StatusShowsAServiceThatTurnedUnhealthy) {
  auto set = svc_set(dir(), {"db"}, "--health-signals");
  set["services"]["db"]["health"] = {
      {"tcp", nlohmann::json::object()}, {"interval", "20ms"}, {"failures", 2}};
  write_config(set);
  ASSERT_EQ(up().status, 0);
  auto db = [&] { return status()["sets"][0]["services"]["db"]; };
  EXPECT_TRUE(db()["healthy"].get<bool>()) << db().dump();
  ASSERT_EQ(::kill(service_pid(), SIGUSR1), 0);  // its listener closes: checks are refused
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (db()["healthy"].get<bool>() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  const auto entry = db();
  EXPECT_FALSE(entry["healthy"].get<bool>()) << entry.dump();
  EXPECT_FALSE(entry["dead"].get<bool>());
  EXPECT_NE(entry["health"]["last_result"].get<std::string>().find("refused"), std::string::npos)
      << entry.dump();
  const auto text = cli({"status"}).out;
  EXPECT_NE(text.find("db: pid " + std::to_string(service_pid())), std::string::npos) << text;
  EXPECT_NE(text.find(", UNHEALTHY (last check: "), std::string::npos) << text;
  EXPECT_EQ(down().status, 0);
}

TEST_F(CliKeeper, RunUsesTheKeeperOfTheSameFile) {
  write_config(svc_set(dir(), {"db"}));
  auto r = up();
  ASSERT_EQ(r.status, 0) << r.all();
  const int port = nlohmann::json::parse(r.out)["db"]["port"].get<int>();
  auto run = mirakuru_cli({"run", config().string(), "--state-dir", state().string(), "--", "sh",
                           "-c", "echo $MIRAKURU_DB_PORT"});
  EXPECT_EQ(run.status, 0) << run.all();
  EXPECT_EQ(run.out, std::to_string(port) + "\n");
  EXPECT_EQ(starts(), 1);
  EXPECT_TRUE(alive(service_pid())) << "run must not stop the keeper's services";
  EXPECT_EQ(down().status, 0);
}

TEST_F(CliKeeper, DownOfASetThatDoesNotRunSaysSo) {
  write_config(svc_set(dir(), {"db"}));
  auto r = down();
  EXPECT_EQ(r.status, 0) << r.all();
  EXPECT_NE(r.out.find("nothing to stop"), std::string::npos) << r.out;
}

TEST_F(CliKeeper, RefusesAWorldWritableStateDirectory) {
  write_config(svc_set(dir(), {"db"}));
  ASSERT_EQ(::mkdir(state().c_str(), 0700), 0);
  ASSERT_EQ(::chmod(state().c_str(), 0777), 0);
  for (const auto& r : {up(), cli({"status"}), down()}) {
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("group- or world-writable (mode 0777)"), std::string::npos) << r.err;
  }
  EXPECT_EQ(starts(), 0);
  ::chmod(state().c_str(), 0700);
}

TEST_F(CliKeeper, RefusesAStateDirectoryOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown a directory to another user";
  write_config(svc_set(dir(), {"db"}));
  ASSERT_EQ(::mkdir(state().c_str(), 0700), 0);
  ASSERT_EQ(::chown(state().c_str(), 65534, 65534), 0);
  auto r = up();
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.err.find("owned by uid 65534, not by you"), std::string::npos) << r.err;
  EXPECT_EQ(starts(), 0);
  ::chown(state().c_str(), 0, 0);
}

TEST_F(CliKeeper, RefusesASymlinkAsStateDirectory) {
  write_config(svc_set(dir(), {"db"}));
  std::filesystem::create_directory(dir() / "real");
  std::filesystem::create_directory_symlink(dir() / "real", state());
  auto r = up();
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

TEST(CliKeeperPaths, AStateDirectoryTooLongForASocketPathWorks) {
  TempDir dir;
  auto state = dir.path() / std::string(60, 's') / std::string(60, 't');
  std::filesystem::create_directories(state.parent_path());
  auto config = dir / "services.json";
  write_file(config, svc_set(dir.path(), {"db"}).dump());
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), {config.string(), "--state-dir", state.string()});
    return mirakuru_cli(args);
  };
  auto r = cli({"up", "--watch-pid", "0"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_GT((state / "set-0123456789abcdef/run/sock").string().size(), 108u);
  EXPECT_EQ(cli({"env"}).status, 0);
  EXPECT_EQ(cli({"down"}).status, 0);
  EXPECT_FALSE(alive(read_pid_file(dir / "db.pid")));
}

TEST(CliKeeperUsage, EverySubcommandHasHelp) {
  for (const std::string sub : {"run", "up", "down", "status", "env"}) {
    auto r = mirakuru_cli({sub, "--help"});
    EXPECT_EQ(r.status, 0) << sub << "\n" << r.all();
    EXPECT_NE(r.out.find("--state-dir"), std::string::npos) << r.out;
  }
  auto top = mirakuru_cli({"--help"});
  EXPECT_EQ(top.out.find("__keeper"), std::string::npos) << "internal subcommand shown:\n"
                                                         << top.out;
  auto bad = mirakuru_cli({"up", "/nonexistent.json", "--linger", "soon"});
  EXPECT_EQ(bad.status, 2) << bad.all();
}

}  // namespace
}  // namespace mirakuru::test
