// Rows of the fault table for the keeper (`mirakuru up`): whoever dies — the keeper, `up`, the
// process it watches (ctest) — at whatever moment, no service survives.
#include <gtest/gtest.h>

#include "../cli/cli_support.hpp"
#include "leak_check.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using faults::ms;
using faults::Scenario;
using test::CliProcess;

class KeeperFaults : public ::testing::Test, public test::KeeperFixture {
 protected:
  // A set whose service never gets ready (nothing listens on its port) but stops at once on
  // SIGTERM: the kills below land while the set starts.
  void never_ready_set() {
    auto set = test::svc_set(dir(), {"db"});
    set["services"]["db"]["command"] = {
        "sh", "-c", "echo $$$$ > '" + (dir() / "db.pid").string() + "'; exec sleep 30"};
    write_config(set);
  }
  // `mirakuru up`, started as a mirakuru service: its guardian is a subreaper, so the keeper
  // that `up` detaches — and whatever a dead keeper leaves — is reparented to that guardian and
  // reaped at once. (Reparented to init, a zombie may wait for init's leisure, and a zombie
  // counts as a leak here.)
  SimpleExecutor& start_up(std::vector<std::string> extra) {
    std::vector<std::string> argv{MIRAKURU_CLI, "up", config().string(), "--state-dir",
                                  state().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    up_.emplace(argv, Options{.timeout = 30s});
    return up_->start();
  }
  // The exit status of `up` (bounded), with what it printed.
  std::pair<int, std::string> finish_up() {
    const auto rc = up_->wait(20s);
    return {rc.value_or(-999), up_->output() + up_->err_output()};
  }
  // The service (once it wrote its pid), its guardian and the keeper above it, tracked.
  pid_t track_tree(Scenario& s) {
    const pid_t svc = test::read_pid_file(dir() / "db.pid");
    EXPECT_GT(svc, 0);
    const pid_t guardian = test::parent_pid(svc);
    const pid_t keeper = test::parent_pid(guardian);
    s.track(svc, "service");
    s.track(guardian, "guardian");
    s.track(keeper, "keeper");
    return keeper;
  }
  std::optional<SimpleExecutor> up_;

  void expect_all_gone(Scenario& s, Clock::time_point since, std::chrono::milliseconds limit) {
    const auto gone = s.expect_gone(limit, since);
    s.note("all " + std::to_string(s.tracked()) + " gone " + ms(gone) + " after the kill");
    up_.reset();  // `up`'s guardian, a child of this process: reaped before the row is checked
  }
};

TEST_F(KeeperFaults, KeeperKilledWhileServing) {
  Scenario s("keeper SIGKILLed while it serves a set");
  write_config(test::svc_set(dir(), {"db"}));
  start_up({"--watch-pid", "0"});
  ASSERT_EQ(finish_up().first, 0);
  const pid_t keeper = track_tree(s);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(keeper, SIGKILL), 0);
  expect_all_gone(s, t0, 1000ms);
  auto r = cli({"status"});
  EXPECT_NE(r.out.find("had died; its state was cleaned up"), std::string::npos) << r.all();
}

TEST_F(KeeperFaults, KeeperKilledWhileStarting) {
  Scenario s("keeper SIGKILLed while its set starts");
  never_ready_set();
  start_up({"--watch-pid", "0"});
  const pid_t keeper = track_tree(s);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(keeper, SIGKILL), 0);
  auto [status, text] = finish_up();
  EXPECT_EQ(status, 1) << text;
  EXPECT_NE(text.find("the keeper ended before its services were ready"), std::string::npos)
      << text;
  expect_all_gone(s, t0, 1000ms);
  EXPECT_FALSE(std::filesystem::exists(set_dir() / "run"));
}

TEST_F(KeeperFaults, UpKilledWhileTheSetStarts) {
  Scenario s("`mirakuru up` SIGKILLed while the set starts");
  never_ready_set();
  SimpleExecutor& up_process = start_up({"--watch-pid", "0"});
  track_tree(s);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(up_process.pid(), SIGKILL), 0);
  // The keeper stops the set itself (gracefully), well before the service would be ready.
  expect_all_gone(s, t0, 2000ms);
  EXPECT_TRUE(status()["sets"].empty());
}

TEST_F(KeeperFaults, WatchedProcessKilled) {
  Scenario s("the watched process (ctest) SIGKILLed while the keeper serves");
  write_config(test::svc_set(dir(), {"db"}));
  CliProcess watched({"/bin/sleep", "30"}, {});
  start_up({"--watch-pid", std::to_string(watched.pid())});
  ASSERT_EQ(finish_up().first, 0);
  track_tree(s);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(watched.pid(), SIGKILL), 0);
  (void)watched.finish();
  expect_all_gone(s, t0, 2000ms);
  EXPECT_TRUE(status()["sets"].empty());
}

TEST_F(KeeperFaults, RunWhoseCommandDoesNotExist) {
  Scenario s("`mirakuru run` of a command that does not exist");
  write_config(test::svc_set(dir(), {"db"}));
  auto r = test::mirakuru_cli({"run", config().string(), "--", "mk-no-such-command"});
  EXPECT_EQ(r.status, 127) << r.all();
  s.track(test::read_pid_file(dir() / "db.pid"), "service");
  expect_all_gone(s, Clock::now(), 1000ms);
}

}  // namespace
}  // namespace mirakuru
