// Service output is untrusted input: no line and no banner regex may crash the runner, hang it,
// or hold up other executors; long lines are matched on what was kept, across the cut.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::Options;
using mirakuru::OutputExecutor;

std::string banner_cmd(const std::string& args) { return mt::fixture("banner") + " " + args; }

// "service says: " + 32 a's after a c: (a+)+c backtracks 2^32 times on it.
const std::string kEvilBanner = "--banner c" + std::string(32, 'a');

TEST(UntrustedOutput, AGreedyRegexOnAFortyKilobyteLineDoesNotCrashTheRunner) {
  // std::regex recursed once per character here and overflowed the output thread's stack.
  OutputExecutor ex(banner_cmd("--fill 40000 --banner port"), "says.*port",
                    Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(UntrustedOutput, ABacktrackingBombDoesNotHangStartPastItsTimeout) {
  OutputExecutor ex(banner_cmd(kEvilBanner), "(a+)+c", Options{.timeout = 2s});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"not seen in 1 line"}, .at_least = 2s, .under = 4s}));
  EXPECT_FALSE(ex.running());
}

TEST(UntrustedOutput, AnotherExecutorsStopIsNotHeldUpByABannerMatch) {
  std::atomic<bool> done{false};
  std::thread bomb([&] {
    OutputExecutor ex(banner_cmd("--delay-ms 100 " + kEvilBanner), "(a+)+c",
                      Options{.timeout = 1500ms});
    try {
      ex.start();
    } catch (const mirakuru::TimeoutExpired&) {
    }
    done = true;
  });
  // Start and stop an unrelated service over and over while the bomb's line is matched.
  mirakuru::SimpleExecutor other(mt::fixture("sleeper"), Options{.timeout = 5s});
  std::chrono::milliseconds slowest{0};
  int cycles = 0;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < until) {
    other.start();
    mt::Stopwatch sw;
    other.stop();
    slowest = std::max(slowest, sw.elapsed());
    ++cycles;
  }
  bomb.join();
  EXPECT_GE(cycles, 3);
  EXPECT_LT(slowest, 1s) << "slowest stop() of " << cycles;
}

TEST(UntrustedOutput, ABannerStraddlingTheLineCutIsSeen) {
  // "READY" starts 3 bytes before the 64 KiB cut ("service says: " is 14 bytes).
  OutputExecutor ex(banner_cmd("--fill " + std::to_string(65536 - 3 - 14)), "READY",
                    Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(UntrustedOutput, ABannerAtTheEndOfAMegabyteLineIsSeen) {
  OutputExecutor ex(banner_cmd("--fill 1000000 --banner 'READY NOW'"), R"(\bNOW$)",
                    Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(UntrustedOutput, AnInvalidBannerRegexNamesThePatternAndTheReason) {
  try {
    OutputExecutor ex(mt::fixture("sleeper"), "ready(?=now)");
    FAIL() << "lookahead is not RE2 syntax";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/ready(?=now)/"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid perl operator"), std::string::npos) << e.what();
  }
}

}  // namespace
