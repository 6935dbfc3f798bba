// Independent executors started and stopped from many threads at once share one output pump.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "mirakuru/simple_executor.hpp"
#include "test_support.hpp"

namespace mirakuru {
namespace {

using namespace std::chrono_literals;

TEST(Threads, EightThreadsStartAndStopConcurrently) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  std::atomic<int> failures{0};
  std::vector<pid_t> pids(kThreads * kRounds, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        try {
          test::Observed ex(std::vector<std::string>{
              "sh", "-c", "echo t" + std::to_string(t) + "; exec sleep 300"});
          ex.start();
          pids[static_cast<std::size_t>(t * kRounds + r)] = ex.pid();
          if (!ex.wait_for_output("\n") || ex.output() != "t" + std::to_string(t) + "\n") {
            ++failures;
          }
          ex.stop();
          if (ex.returncode() != -SIGTERM) ++failures;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (pid_t pid : pids) {
    EXPECT_GT(pid, 0);
    EXPECT_FALSE(test::alive(pid)) << pid;
  }
}

TEST(Threads, ObserversAreSafeWhileThePumpWrites) {
  SimpleExecutor ex({test::fixture("writer"), "64"}, {.output_limit = 4096});
  ex.start();
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      (void)ex.output();
      (void)ex.running();
      (void)ex.returncode();
    }
  });
  EXPECT_EQ(ex.wait(60s), 0);
  stop = true;
  reader.join();
  ex.stop();
  EXPECT_EQ(ex.output().size(), 4096u);
}

// start() replaces the run (and its output rings) that observers on other threads may be
// reading: under ASan this was a heap-use-after-free in OutputRing::str, under TSan a race on
// the executor's process pointer (issue 16 item 5).
TEST(Threads, ObserversAreSafeWhileStartAndStopReplaceTheRun) {
  SimpleExecutor ex(std::vector<std::string>{"sh", "-c", "echo out; echo err >&2; exec sleep 300"});
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> odd{0};
  std::thread observer([&] {
    while (!done) {
      const std::string out = ex.output();
      const std::string err = ex.err_output();
      if (!std::string("out\n").starts_with(out) || !std::string("err\n").starts_with(err)) ++odd;
      (void)ex.output_tail();
      if (ex.pid() == 0 || ex.pid() < -1) ++odd;
      (void)ex.running();
      (void)ex.returncode();
      ++reads;
    }
  });
  for (int round = 0; round < 30; ++round) {
    ex.start();
    ex.stop();
  }
  done = true;
  observer.join();
  EXPECT_EQ(odd.load(), 0) << "an observer saw something that was never captured";
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(ex.returncode(), -SIGTERM);
}

TEST(Threads, ForkedChildNeverStopsTheParentsProcess) {
  SimpleExecutor ex("sleep 300");
  ex.start();
  const pid_t service = ex.pid();
  const pid_t child = ::fork();
  if (child == 0) {
    ex.stop();   // must be a no-op in the copy
    ex.kill();   // same
    ::_exit(0);  // and no destructor runs here; see also faults/ for exit() with destructors
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(test::alive(service));
  EXPECT_TRUE(ex.running());
  ex.stop();
}

}  // namespace
}  // namespace mirakuru
