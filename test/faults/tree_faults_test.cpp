// Rows of the fault table for the hardest tree to stop (issue 16): three levels of descendants,
// five wide, each level in a session of its own and ignoring SIGTERM (mk_setsid_tree). Only
// SIGKILL ends them, one level at a time, each level re-parented to the guardian when the level
// above dies — so the guardian must keep reaping until it has no child left, not until the
// children it listed once are gone.
//
// Each row runs MIRAKURU_FAULT_REPEAT times (default 3). The soak run outside the regular suite
// (target mirakuru_fault_soak) runs them 100 times each.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <string>

#include "fault_runner_rows.hpp"
#include "leak_check.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;
using faults::Scenario;

constexpr std::size_t kTreeProcesses = 1 + 5 + 25 + 125;

int repetitions() {
  const char* text = std::getenv("MIRAKURU_FAULT_REPEAT");
  const int n = text != nullptr ? std::atoi(text) : 0;
  return n > 0 ? n : 3;
}

TEST(TreeFaults, StopLeavesNoDescendantOfADeepSetsidTree) {
  const int rounds = repetitions();
  for (int round = 0; round < rounds && !HasFailure(); ++round) {
    Scenario s("stop() of a 3-level setsid tree, 5 wide (round " + std::to_string(round + 1) +
               " of " + std::to_string(rounds) + ")");
    test::TempDir dir;
    OutputExecutor tree({test::fixture("setsid_tree"), dir.path().string()}, "^READY$",
                        {.timeout = 30s, .stop_timeout = 20ms});
    tree.start();
    s.track_pid_files(dir.path());
    ASSERT_EQ(s.tracked(), kTreeProcesses);
    tree.stop();
    s.expect_gone(0ms);  // stop() returned: every one of them is dead and reaped
  }
}

TEST(TreeFaults, RunnerSigkillLeavesNoDescendantOfADeepSetsidTree) {
  const int rounds = repetitions();
  for (int round = 0; round < rounds && !HasFailure(); ++round) {
    Scenario s("runner SIGKILL with a 3-level setsid tree, 5 wide (round " +
               std::to_string(round + 1) + " of " + std::to_string(rounds) + ")");
    faults::FaultRunner runner;
    runner.start("tree");
    kill_runner_then_expect_orphan_cleanup(s, runner, SIGKILL);
    // The tree and its guardian (tracked twice when the runner's death re-parented it to the
    // runner's own guardian while it still worked).
    EXPECT_GE(s.tracked(), kTreeProcesses + 1);
  }
}

}  // namespace
}  // namespace mirakuru
