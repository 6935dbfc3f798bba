// Executor itself: custom probes, the Python-style subclass hooks, and the wait loop's rules.
#include "mirakuru/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::Executor;
using mirakuru::Options;
using mirakuru::Probe;
using mirakuru::ProbeResult;

// A custom probe in a few lines: ready at the n-th check.
struct NthCheck : Probe {
  int needed;
  int checks = 0;
  explicit NthCheck(int n) : needed(n) {}
  ProbeResult check() override {
    if (++checks >= needed) return ProbeResult::ready();
    return ProbeResult::not_yet("only " + std::to_string(checks) + " checks so far");
  }
  std::string describe() const override { return "check #" + std::to_string(needed); }
};

TEST(Executor, CustomProbeIsPolledUntilReady) {
  auto probe = std::make_unique<NthCheck>(5);
  auto* raw = probe.get();
  Executor ex(mt::fixture("sleeper"), std::move(probe), Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_EQ(raw->checks, 5);
  EXPECT_TRUE(ex.running());
  // 4 waits of the default backoff: 0.25 + 0.5 + 1 + 2 ms, nowhere near a fixed poll interval.
  EXPECT_LT(sw.ms(), 1000);
}

TEST(Executor, WithoutProbeItIsReadyOnceSpawned) {
  Executor ex(mt::fixture("sleeper"));
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_GT(ex.pid(), 0);
}

TEST(Executor, AHugeTimeoutIsNoDeadlineRatherThanAnOverflow) {
  Executor ex(mt::fixture("sleeper"), std::make_unique<NthCheck>(3),
              Options{.timeout = std::chrono::milliseconds::max()});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(Executor, NullProbeIsRejected) {
  EXPECT_THROW(Executor(mt::fixture("sleeper"), std::unique_ptr<Probe>()), std::invalid_argument);
}

// The Python mirakuru way: override the two checks.
class CountingExecutor : public Executor {
 public:
  CountingExecutor(mirakuru::Command c, bool taken, int ready_at, Options o)
      : Executor(std::move(c), std::move(o)), taken_(taken), ready_at_(ready_at) {}
  bool pre_start_check() override { return taken_; }
  bool after_start_check() override { return ++checks >= ready_at_; }
  int checks = 0;

 private:
  bool taken_;
  int ready_at_;
};

TEST(Executor, SubclassChecksAreHonoured) {
  CountingExecutor ex(mt::fixture("sleeper"), false, 3, Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(ex.checks, 3);
  EXPECT_TRUE(ex.last_check().is_ready());
  EXPECT_TRUE(ex.running());
}

TEST(Executor, PreStartCheckMeansAlreadyRunningAndNothingStarts) {
  CountingExecutor ex(mt::fixture("sleeper"), true, 1, Options{.timeout = 20s});
  EXPECT_THROW(ex.start(), mirakuru::AlreadyRunning);
  EXPECT_EQ(ex.pid(), -1);
  EXPECT_EQ(ex.checks, 0);
}

TEST(Executor, TimeoutNamesCommandTimeoutAndWhatTheProbeSaw) {
  Executor ex(mt::fixture("banner") + " --banner 'still initializing'",
              std::make_unique<NthCheck>(1'000'000'000), Options{.timeout = 300ms});
  mt::Stopwatch sw;
  pid_t pid = -1;
  try {
    ex.start();
    FAIL();
  } catch (const mirakuru::TimeoutExpired& e) {
    pid = ex.pid();
    std::string what = e.what();
    EXPECT_EQ(e.timeout(), 300ms);
    EXPECT_NE(what.find("mk_banner"), std::string::npos) << what;
    EXPECT_NE(what.find("within 300 ms"), std::string::npos) << what;
    EXPECT_NE(what.find("checks so far"), std::string::npos) << what;
    EXPECT_NE(what.find("still initializing"), std::string::npos) << "no tail: " << what;
  }
  EXPECT_GE(sw.ms(), 300);
  EXPECT_LT(sw.ms(), 3000);
  EXPECT_FALSE(ex.running());
  EXPECT_FALSE(mt::alive(pid));
}

TEST(Executor, ExitWhilePollingCutsTheWaitShort) {
  // The probe never succeeds; the process dies after 100 ms; the timeout is far away.
  Executor ex(mt::fixture("exit_with") + " 3 'giving up' --delay-ms 100",
              std::make_unique<NthCheck>(1'000'000'000), Options{.timeout = 30s});
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL();
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("giving up"), std::string::npos) << e.what();
  }
  EXPECT_GE(sw.ms(), 100);
  EXPECT_LT(sw.ms(), 2000);
}

struct GivesUp : Probe {
  ProbeResult check() override { return ProbeResult::never("the config says read-only"); }
  std::string describe() const override { return "a writable service"; }
};

TEST(Executor, ProbeThatGivesUpFailsAtOnce) {
  Executor ex(mt::fixture("sleeper"), std::make_unique<GivesUp>(), Options{.timeout = 30s});
  mt::Stopwatch sw;
  try {
    ex.start();
    FAIL();
  } catch (const mirakuru::TimeoutExpired&) {
    FAIL() << "must not wait for the timeout";
  } catch (const mirakuru::ExecutorError& e) {
    EXPECT_NE(std::string(e.what()).find("the config says read-only"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(sw.ms(), 2000);
  EXPECT_FALSE(ex.running());
}

TEST(Executor, SpawnErrorComesFromStartItself) {
  Executor ex("/nonexistent/server --port 1", std::make_unique<NthCheck>(1),
              Options{.timeout = 30s});
  mt::Stopwatch sw;
  EXPECT_THROW(ex.start(), mirakuru::SpawnError);
  EXPECT_LT(sw.ms(), 2000);
}

TEST(Executor, StartingARunningExecutorDoesNothing) {
  Executor ex(mt::fixture("sleeper"), std::make_unique<NthCheck>(1));
  ex.start();
  const pid_t pid = ex.pid();
  const auto checks = ex.checks();
  EXPECT_EQ(&ex.start(), &ex) << "like Python mirakuru: a no-op returning *this";
  EXPECT_EQ(ex.pid(), pid);
  EXPECT_EQ(ex.checks(), checks) << "no readiness wait either";
  EXPECT_TRUE(ex.running());
}

TEST(Executor, MovedExecutorKeepsItsProbeAndProcess) {
  mirakuru::OutputExecutor a(mt::fixture("banner"), "READY", Options{.timeout = 20s});
  a.start();
  pid_t pid = a.pid();
  mirakuru::OutputExecutor b(std::move(a));
  EXPECT_FALSE(a.running());  // NOLINT(bugprone-use-after-move): documented moved-from state
  EXPECT_EQ(b.pid(), pid);
  b.stop();
  b.start();  // the probe moved along: it waits for the banner of the new run
  EXPECT_TRUE(b.running());
  EXPECT_NE(b.pid(), pid);
}

TEST(Executor, ManyExecutorsStartInParallelThreads) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      mirakuru::OutputExecutor ex(mt::fixture("banner") + " --delay-ms 50", "READY",
                                  Options{.timeout = 20s});
      ex.start();
      if (ex.running()) ++ready;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ready.load(), 4);
}

}  // namespace
