// interrupt_start(): another thread ends a start() in progress (issue 15 item 2) — the
// cancellation a service set needs when a sibling failed, without scanning /proc.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "mirakuru/executor.hpp"
#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits (bounded) until `ex` has a process, from a thread that does not call start().
pid_t wait_for_pid(const SimpleExecutor& ex) {
  const auto until = Clock::now() + 10s;
  while (ex.pid() <= 0 && Clock::now() < until) std::this_thread::sleep_for(1ms);
  return ex.pid();
}

TEST(InterruptStart, EndsAReadinessWaitAtOnceAndKillsTheProcess) {
  OutputExecutor ex(test::fixture("sleeper"), "^never printed$", {.timeout = 60s});
  auto starting = std::async(std::launch::async, [&] { ex.start(); });
  const pid_t pid = wait_for_pid(ex);
  ASSERT_GT(pid, 0);
  const auto t0 = Clock::now();
  EXPECT_TRUE(ex.interrupt_start());
  try {
    starting.get();
    ADD_FAILURE() << "start() returned";
  } catch (const StartInterrupted& e) {
    EXPECT_NE(std::string(e.what()).find("interrupt"), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 2s) << "not at the 60 s timeout";
  EXPECT_FALSE(test::alive(pid)) << "what start() started is dead and reaped";
  EXPECT_FALSE(ex.running());
}

// A check that blocks (a check command) sees the interrupt through Probe::interrupted().
class BlockingProbe : public Probe {
 public:
  ProbeResult check() override {
    entered = true;
    while (!interrupted()) std::this_thread::sleep_for(1ms);
    return ProbeResult::not_yet("interrupted");
  }
  std::string describe() const override { return "a check that blocks"; }
  std::atomic<bool> entered{false};
};

TEST(InterruptStart, ReachesACheckThatBlocks) {
  auto probe = std::make_unique<BlockingProbe>();
  BlockingProbe* seen = probe.get();
  Executor ex(test::fixture("sleeper"), std::move(probe), {.timeout = 60s});
  auto starting = std::async(std::launch::async, [&] { ex.start(); });
  const auto until = Clock::now() + 10s;
  while (!seen->entered && Clock::now() < until) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(seen->entered);
  const pid_t pid = ex.pid();
  EXPECT_TRUE(ex.interrupt_start());
  EXPECT_THROW(starting.get(), StartInterrupted);
  EXPECT_FALSE(test::alive(pid));
}

TEST(InterruptStart, WithoutAStartInProgressDoesNothingAndIsNotKept) {
  OutputExecutor ex(std::vector<std::string>{"sh", "-c", "echo up; exec sleep 300"}, "^up$",
                    {.timeout = 30s});
  EXPECT_FALSE(ex.interrupt_start()) << "nothing to interrupt";
  EXPECT_NO_THROW(ex.start()) << "an interrupt is never kept for a later start()";
  EXPECT_TRUE(ex.running());
  EXPECT_FALSE(ex.interrupt_start()) << "start() has returned: the service is left alone";
  EXPECT_TRUE(ex.running());
  ex.stop();
}

}  // namespace
}  // namespace mirakuru
