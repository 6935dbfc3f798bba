// Sample 5 — the service set of DESIGN.md (services.json): "db" (redis-server) and "api"
// (./server, after ./migrate ran against db), with depends_on, variables and env — started
// fresh for every test by a ServiceTest fixture.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mirakuru/gmock.hpp>
#include <mirakuru/gtest.hpp>
#include <string>
#include <vector>

#include "http_result.hpp"
#include "sample_report.hpp"

namespace {

using namespace std::chrono_literals;

class Api : public mirakuru::gtest::ServiceTest {
 protected:
  // The JSON is copied next to ./server and ./migrate, which it names relative to itself.
  Api() : ServiceTest(SAMPLE_BINARY_DIR "/services.json") {}

  void SetUp() override {
    const auto t0 = std::chrono::steady_clock::now();
    ServiceTest::SetUp();  // db, then ./migrate, then api until GET /health answers 200
    if (HasFatalFailure()) return;
    const double ms = samples::since(t0);  // the whole set: api waits for db
    for (const auto& name : services().names()) {
      shots_.push_back(samples::started("service_set", services(), name, ms));
    }
  }
  void TearDown() override {
    // What runs now must be gone after the stop, restarted services included.
    for (auto& shot : shots_) {
      if (services().executor(shot.service).running()) {
        samples::refresh(shot, services().executor(shot.service).pid());
      }
    }
    ServiceTest::TearDown();  // api first (SIGINT), then db
    for (const auto& shot : shots_) samples::cleaned(shot);
  }

  httplib::Client api() {
    httplib::Client c(services().url("api"));
    c.set_connection_timeout(2s);
    c.set_read_timeout(5s);
    return c;
  }

 private:
  std::vector<samples::Snapshot> shots_;
};

TEST_F(Api, StartsTheDatabaseFirst) {
  EXPECT_EQ(services().names(), (std::vector<std::string>{"db", "api"}));
  const auto res = api().Get("/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(Api, RanTheMigrationBeforeTheApiStarted) {
  const auto res = api().Get("/schema");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "3");
}

TEST_F(Api, GetsItsEnvironmentFromTheSetsVars) {
  const auto res = api().Get("/greeting");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "hi");
}

// Per-test services: whatever a test wrote is gone in the next one (fresh redis, fresh ports),
// so this holds in every test and under --gtest_repeat / --gtest_shuffle.
TEST_F(Api, EveryTestGetsFreshServices) {
  auto c = api();
  EXPECT_EQ(samples::body(c.Post("/visits")), "1");
  EXPECT_EQ(samples::body(c.Post("/visits")), "2");
}

// Stop one service in the middle of a test — as Python mirakuru's `with executor.stopped():`.
TEST_F(Api, ReportsTheDatabaseDownWhileItIsStopped) {
  auto c = api();
  auto& db = services().executor("db");
  {
    auto db_down = db.stopped();  // stops redis now, starts it again at the end of the scope
    EXPECT_FALSE(db.running());
    const auto res = c.Get("/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
  }  // redis is back *and ready* (TCP probe) before the guard's destructor returns
  EXPECT_TRUE(db.running());
  EXPECT_EQ(samples::status(c.Get("/health")), 200);
}

TEST_F(Api, CountsVisitsInTheDatabase) {
  auto c = api();
  EXPECT_EQ(samples::body(c.Post("/visits")), "1");
  mirakuru::SimpleExecutor cli(
      {"redis-cli", "-p", std::to_string(services().port("db")), "GET", "visits"});
  cli.start();
  EXPECT_EQ(cli.wait(5s), 0);
  EXPECT_EQ(cli.output(), "1\n");
}

// Assert on what a service does, not only that it answered: the api does a job after the POST
// answered (202), and only its log says when. EventuallyOutputs is woken by that log line — no
// sleep, no polling loop over output() — and counts only lines printed after the mark.
TEST_F(Api, LogsTheJobItProcessedAfterThePost) {
  using namespace mirakuru::testing;
  const auto& worker = services().executor("api");
  const auto mark = output_mark(worker);  // "from here on"
  auto c = api();
  EXPECT_EQ(samples::status(c.Post("/jobs", "42", "text/plain")), 202);
  EXPECT_THAT(worker, EventuallyOutputs(R"(processed job 42$)", 5s, mark));
  EXPECT_THAT(worker, HasOutput(R"(listening on 127\.0\.0\.1:\d+)"));
  EXPECT_THAT(worker, Not(HasOutput("failed")));
  EXPECT_THAT(worker, IsRunning());
  EXPECT_THAT(services().executor("db"), IsRunning());
}

}  // namespace
