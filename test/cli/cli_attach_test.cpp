// Attaching to a keeper's set: ServiceSet::attach_running(), leases, the keeper's news, and
// MIRAKURU_ATTACH in the GoogleTest layer.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "cli_support.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"

namespace mirakuru::test {
namespace {

using namespace std::chrono_literals;

class CliAttach : public ::testing::Test, public KeeperFixture {
 protected:
  void SetUp() override {
    write_config(svc_set(dir(), {"db"}));
    auto r = up();
    ASSERT_EQ(r.status, 0) << r.all();
    endpoints_ = nlohmann::json::parse(r.out);
  }
  void TearDown() override { (void)down(); }

  int leases() const {
    auto s = status();
    return s["sets"].empty() ? -1 : s["sets"][0]["leases"].get<int>();
  }
  // Polls (bounded) until `pred` holds.
  template <typename Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  // The keeper's news, waited for (bounded).
  std::vector<std::string> events_of(ServiceSet& set) {
    std::vector<std::string> events;
    eventually([&] {
      events = set.take_keeper_events();
      return !events.empty();
    });
    return events;
  }

  nlohmann::json endpoints_;
};

TEST_F(CliAttach, GivesTheKeepersEndpointsAndHoldsALease) {
  {
    auto set = ServiceSet::attach_running(config(), state());
    EXPECT_TRUE(set.attached());
    EXPECT_EQ(set.port("db"), endpoints_["db"]["port"].get<int>());
    EXPECT_EQ(set.tmpdir("db"), endpoints_["db"]["tmpdir"].get<std::string>());
    EXPECT_EQ(set.log_file("db"), endpoints_["db"]["log_file"].get<std::string>());
    EXPECT_THROW(set.executor("db"), std::logic_error);
    EXPECT_EQ(leases(), 1);
    EXPECT_TRUE(set.take_keeper_events().empty());
    set.stop();  // starts and stops nothing
    EXPECT_TRUE(alive(read_pid_file(dir() / "db.pid")));
  }
  EXPECT_TRUE(eventually([&] { return leases() == 0; }));
}

TEST_F(CliAttach, NoKeeperIsAConfigErrorThatSaysWhatToDo) {
  ASSERT_EQ(down().status, 0);
  try {
    (void)ServiceSet::attach_running(config(), state());
    FAIL() << "attached to nothing";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no keeper runs this set"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mirakuru up " + config().string()), std::string::npos)
        << e.what();
  }
}

TEST_F(CliAttach, ChangedConfigIsAStaleKeeper) {
  write_config(svc_set(dir(), {"db", "other"}));
  try {
    (void)ServiceSet::attach_running(config(), state());
    FAIL() << "attached to a stale keeper";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("stale keeper"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mirakuru down"), std::string::npos) << e.what();
  }
}

TEST_F(CliAttach, ACrashReleasesTheLease) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    auto set = ServiceSet::attach_running(config(), state());
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_EQ(leases(), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(eventually([&] { return leases() == 0; }));
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(CliAttach, AServiceThatDiesIsReportedToAttachedProcesses) {
  auto set = ServiceSet::attach_running(config(), state());
  ASSERT_EQ(::kill(read_pid_file(dir() / "db.pid"), SIGKILL), 0);
  auto events = events_of(set);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("service 'db'"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("killed by signal 9"), std::string::npos) << events[0];
  EXPECT_FALSE(status()["sets"][0]["services"]["db"]["healthy"].get<bool>());
  // A process attaching afterwards hears of it at once.
  auto late = ServiceSet::attach_running(config(), state());
  EXPECT_EQ(late.take_keeper_events().size(), 1u);
}

// The keeper runs the "health" checks; an attached process hears when a service turns unhealthy
// (and the GoogleTest layer fails the running test with it, as for a death).
TEST_F(CliAttach, AServiceThatTurnsUnhealthyIsReportedToAttachedProcesses) {
  ASSERT_EQ(down().status, 0);
  const auto healthy_file = dir() / "healthy";
  write_file(healthy_file, "ok");
  auto set_config = svc_set(dir(), {"db"});
  set_config["services"]["db"]["health"] = {
      {"file", {{"path", healthy_file.string()}}}, {"interval", "20ms"}, {"failures", 2}};
  write_config(set_config);
  ASSERT_EQ(up().status, 0);
  auto set = ServiceSet::attach_running(config(), state());
  // Several passing checks first: nothing to report.
  ASSERT_TRUE(eventually([&] {
    auto db = status()["sets"][0]["services"]["db"];
    return db.contains("health") && db["health"]["checks"].get<int>() >= 3;
  }));
  EXPECT_TRUE(set.take_keeper_events().empty());
  std::filesystem::remove(healthy_file);
  auto events = events_of(set);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("service 'db'"), std::string::npos) << events[0];
  // At least `failures` (2); more when checks went on failing before the keeper looked.
  EXPECT_NE(events[0].find("became unhealthy: "), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("health checks in a row failed (file " + healthy_file.string()),
            std::string::npos)
      << events[0];
  EXPECT_NE(events[0].find("last check: "), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("reported by the keeper of"), std::string::npos) << events[0];
  EXPECT_FALSE(status()["sets"][0]["services"]["db"]["healthy"].get<bool>());
}

TEST_F(CliAttach, DownWhileAttachedTellsTheAttachedProcessWhy) {
  auto set = ServiceSet::attach_running(config(), state());
  ASSERT_EQ(down().status, 0);
  auto events = events_of(set);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events[0].find("is stopping its services: `mirakuru down`"), std::string::npos)
      << events[0];
}

TEST_F(CliAttach, LingerWaitsForTheLastLease) {
  ASSERT_EQ(down().status, 0);
  pid_t keeper = -1;
  // Attached well within --linger even on a loaded machine under a sanitizer (200 ms was not:
  // the keeper had ended before the attach); the keeper's pid is asked only then.
  ASSERT_EQ(up({"--watch-pid", "0", "--linger", "1s"}).status, 0);
  {
    auto set = ServiceSet::attach_running(config(), state());
    keeper = keeper_pid();
    ASSERT_GT(keeper, 0);
    // Longer than --linger: an attached process keeps the keeper.
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(alive(keeper));
  }
  EXPECT_TRUE(gone_within(keeper, 5s));
}

// The GoogleTest layer: MIRAKURU_ATTACH makes gtest_main's global environment attach.
class GtestAttach : public CliAttach {
 protected:
  CliResult program(const std::string& filter, std::map<std::string, std::string> env = {}) {
    env.insert({{"MIRAKURU_ATTACH", config().string()},
                {"MIRAKURU_STATE_DIR", state().string()},
                {"EXPECT_DB_PORT", std::to_string(endpoints_["db"]["port"].get<int>())}});
    return CliProcess({MIRAKURU_ATTACH_PROGRAM, "--gtest_filter=" + filter}, env).finish();
  }
};

TEST_F(GtestAttach, EveryProcessAttachesAndNothingStartsAgain) {
  for (int i = 0; i < 3; ++i) {
    auto r = program("AttachProgram.SeesTheKeepersEndpoints");
    EXPECT_EQ(r.status, 0) << r.all();
  }
  EXPECT_EQ(line_count(dir() / "db.starts"), 1);
}

TEST_F(GtestAttach, AServiceDyingFailsTheRunningTest) {
  auto r = program("AttachProgram.ServiceDies",
                   {{"KILL_PID", std::to_string(read_pid_file(dir() / "db.pid"))},
                    {"KEEPER_LOG", (set_dir() / "keeper.log").string()}});
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.out.find("[  FAILED  ] AttachProgram.ServiceDies"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("service 'db'"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("during test AttachProgram.ServiceDies"), std::string::npos) << r.all();
}

TEST_F(GtestAttach, NoKeeperFailsTheRunSayingSo) {
  ASSERT_EQ(down().status, 0);
  auto r = program("AttachProgram.SeesTheKeepersEndpoints");
  EXPECT_EQ(r.status, 1) << r.all();
  EXPECT_NE(r.out.find("no keeper runs this set"), std::string::npos) << r.all();
}

}  // namespace
}  // namespace mirakuru::test
