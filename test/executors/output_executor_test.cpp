// OutputExecutor: ready on a banner line, event-driven, with precise failures.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
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
using mirakuru::OutputStreams;

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string banner_cmd(const std::string& args) { return mt::fixture("banner") + " " + args; }

TEST(OutputExecutor, ReadyWhenTheBannerIsPrinted) {
  OutputExecutor ex(banner_cmd("--delay-ms 50 --banner 'Ready to accept connections'"),
                    "Ready to accept", Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 50);
  EXPECT_TRUE(ex.running());
  EXPECT_NE(ex.output().find("Ready to accept connections"), std::string::npos);
  pid_t pid = ex.pid();
  ex.stop();
  EXPECT_TRUE(mt::gone_within(pid, 2s));
}

TEST(OutputExecutor, RegexMatchesMidLine) {
  OutputExecutor ex(banner_cmd("--banner 'port 8080 open'"), R"(port \d+ open$)",
                    Options{.timeout = 20s});
  ex.start();
  EXPECT_TRUE(ex.running());
  EXPECT_TRUE(ex.last_check().is_ready());
}

TEST(OutputExecutor, BannerOnStderr) {
  OutputExecutor ex(banner_cmd("--stderr"), "READY", Options{.timeout = 20s});
  ex.start();
  EXPECT_NE(ex.err_output().find("READY"), std::string::npos);
  EXPECT_EQ(ex.output().find("READY"), std::string::npos);
}

TEST(OutputExecutor, WatchingOnlyStdoutIgnoresABannerOnStderr) {
  OutputExecutor ex(banner_cmd("--stderr"), "READY", Options{.timeout = 300ms},
                    OutputStreams::Stdout);
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(ex, {.says = {"on stdout"}}))
      << "the banner on stderr must not count";
  EXPECT_FALSE(ex.running());
}

TEST(OutputExecutor, BannerAfterTwentyMegabytes) {
  OutputExecutor ex(banner_cmd("--junk-bytes 20000000"), "READY", Options{.timeout = 50s});
  ex.start();
  EXPECT_TRUE(ex.running());
  // Everything went through the bounded ring, and the banner was seen in it.
  EXPECT_LE(ex.output().size(), ex.options().output_limit);
  EXPECT_NE(ex.output().find("READY"), std::string::npos);
}

TEST(OutputExecutor, OutputIsStillDrainedAfterTheBanner) {
  // 20 MB after the banner: a pipe nobody reads would block the writer at 64 KiB.
  OutputExecutor ex(banner_cmd("--junk-after 20000000 --exit 0"), "READY", Options{.timeout = 50s});
  ex.start();
  EXPECT_EQ(ex.wait(50s), std::optional<int>(0));
}

TEST(OutputExecutor, AStreamThatIsNotCapturedCannotBeWatched) {
  EXPECT_THROW(
      OutputExecutor(mt::fixture("banner"), "READY",
                     Options{.stdout_mode = mirakuru::Stdio::Inherit}, OutputStreams::Stdout),
      std::invalid_argument);
  // Both streams watched, one captured: fine.
  OutputExecutor ex(banner_cmd("--stderr"), "READY",
                    Options{.timeout = 20s, .stdout_mode = mirakuru::Stdio::Null});
  ex.start();
  EXPECT_TRUE(ex.running());
}

TEST(OutputExecutor, BannerSplitAcrossTwoWrites) {
  OutputExecutor ex(banner_cmd("--banner SPLITBANNER --split-ms 100"), "SPLITBANNER",
                    Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  // Half the banner was out 100 ms before the rest: an early match would return sooner.
  EXPECT_GE(sw.ms(), 100);
  EXPECT_NE(ex.output().find("SPLITBANNER"), std::string::npos);
}

TEST(OutputExecutor, TimeoutSaysHowManyLinesWentByWithoutTheBanner) {
  OutputExecutor ex(banner_cmd("--junk-lines 2134 --no-banner"), "NEVER PRINTED",
                    Options{.timeout = 400ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"not seen in 2,134 lines", "400 ms", "mk_banner", "starting 2133"},
           .timeout = 400ms,
           .at_least = 400ms,
           .under = 3s}))
      << "no banner: start() must time out";
  EXPECT_FALSE(ex.running());
}

TEST(OutputExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  OutputExecutor ex(mt::fixture("exit_with") + " 1 'fatal: config file missing'", "READY",
                    Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"fatal: config file missing", "exited with code 1"},
           .exit_code = 1,
           .under = 2s}))  // not the 30 s timeout
      << "the process exited: start() must throw";
}

TEST(OutputExecutor, ExitZeroWithoutBannerFailsAtOnce) {
  // The output reached EOF: the banner can never come, daemonized or not.
  OutputExecutor ex(banner_cmd("--no-banner --exit 0"), "READY", Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"output has ended"}, .exit_code = 0, .under = 2s}));
}

TEST(OutputExecutor, ClosingTheOutputWithoutBannerFailsAtOnce) {
  OutputExecutor ex(banner_cmd("--no-banner --close"), "READY", Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ExecutorError>(ex, {.under = 2s}));
  EXPECT_FALSE(ex.running());
}

TEST(OutputExecutor, RestartDoesNotMatchTheOldBanner) {
  mt::TempDir dir;
  auto marker = (dir / "second-run").string();
  // First run prints the banner; the second run does not.
  Options options{.shell = true, .timeout = 400ms};
  OutputExecutor ex("if [ -e " + marker + " ]; then echo second run; else touch " + marker +
                        "; echo READY; fi; exec " + mt::fixture("sleeper"),
                    "READY", options);
  ex.start();
  ex.stop();
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(ex, {.at_least = 400ms}));
  EXPECT_FALSE(ex.running());
}

TEST(OutputExecutor, ScopedStopWaitsForTheBannerAgain) {
  OutputExecutor ex(banner_cmd("--delay-ms 100"), "READY", Options{.timeout = 20s});
  ex.start();
  pid_t first = ex.pid();
  {
    auto guard = ex.stopped();
    EXPECT_FALSE(ex.running());
    mt::Stopwatch sw;
    guard.resume();
    EXPECT_GE(sw.ms(), 100);
  }
  EXPECT_TRUE(ex.running());
  EXPECT_NE(ex.pid(), first);
}

TEST(OutputExecutor, InvalidRegexThrowsFromTheConstructor) {
  EXPECT_THROW(OutputExecutor(mt::fixture("sleeper"), "([unclosed"), std::invalid_argument);
}

// While start() waits for a banner, the waiting thread reads the pipes too (one thread hand-off
// instead of two). The pump reads them at the same moments: every byte must still arrive once,
// in order, in output() and in the log.
TEST(OutputExecutor, LinesReadByTwoThreadsArriveOnceAndInOrder) {
  constexpr int kLines = 5000;  // one write each: the two readers race on every one
  std::string expected;
  for (int k = 0; k < kLines; ++k) expected += "starting " + std::to_string(k) + "\n";
  expected += "service says: READY\n";
  // The first difference, not a diff of 60 KB.
  auto first_difference = [&expected](const std::string& got) -> std::string {
    if (got == expected) return "";
    std::size_t at = 0;
    while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
    return "differs at byte " + std::to_string(at) + " of " + std::to_string(expected.size()) +
           ": got \"" + got.substr(at, 40) + "\", expected \"" + expected.substr(at, 40) + "\"";
  };
  for (int round = 0; round < 3; ++round) {
    mt::TempDir dir;
    OutputExecutor ex(banner_cmd("--junk-lines " + std::to_string(kLines)), "READY",
                      Options{.timeout = 50s, .log_file = dir / "out.log"});
    ex.start();
    EXPECT_EQ(first_difference(ex.output()), "") << "output(), round " << round;
    ex.stop();
    EXPECT_EQ(first_difference(file_text(dir / "out.log")), "") << "the log, round " << round;
  }
}

// While start() waits, the pump's watches of the pipes stand aside: a line written meanwhile is
// read by the waiting thread alone (one thread hand-off between the write and start() returning,
// not a race that the pump wins now and then, with a second hand-off to follow).
TEST(OutputExecutor, ALineWrittenWhileStartWaitsIsReadByTheWaitingThread) {
  class ThreadOfTheBanner final : public mirakuru::Probe {
   public:
    explicit ThreadOfTheBanner(std::optional<std::thread::id>& seen) : seen_(seen) {}
    mirakuru::ProbeResult check() override {
      return seen_ ? mirakuru::ProbeResult::ready() : mirakuru::ProbeResult::not_yet("no banner");
    }
    std::string describe() const override { return "the banner's reader"; }
    std::optional<std::chrono::steady_clock::time_point> next_check() const override {
      return std::chrono::steady_clock::time_point::max();  // on output only
    }
    bool wants_lines() const override { return true; }
    void on_line(mirakuru::Stream, std::string_view line) override {
      if (line.find("READY") != std::string_view::npos) seen_ = std::this_thread::get_id();
    }

   private:
    std::optional<std::thread::id>& seen_;
  };
  for (int round = 0; round < 5; ++round) {
    std::optional<std::thread::id> seen;
    // The banner comes while start() sits in its wait, not while it spawns.
    mirakuru::Executor ex(banner_cmd("--delay-ms 200 --tick-ms 1"),
                          std::make_unique<ThreadOfTheBanner>(seen), Options{.timeout = 20s});
    EXPECT_TRUE(mt::stood_aside_during([&] { ex.start(); }))
        << "round " << round << ": the pump watched for input all along";
    EXPECT_FALSE(mt::a_watch_stands_aside()) << "round " << round << ": after start()";
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(*seen, std::this_thread::get_id()) << "round " << round << ": the pump read it";
    // Once start() returned, the pump reads them again.
    EXPECT_NE(mt::output_with(ex, "tick 3").find("tick 3"), std::string::npos) << "round " << round;
  }
}

// The waiting thread's duplicates of the pipes live only as long as start(): once it returned,
// a running OutputExecutor holds what a running SimpleExecutor holds, and the eventfd that woke
// its start() (closed by stop(): closing it cost start() ~10 us on its way out); after stop(),
// nothing.
TEST(OutputExecutor, HoldsOnlyItsWakeUpDescriptorOnceStarted) {
  mirakuru::SimpleExecutor plain(banner_cmd(""));
  plain.start();  // the output thread and its epoll descriptor exist from here on
  const std::size_t with_plain = mt::open_descriptors();
  plain.stop();
  const std::size_t idle = mt::open_descriptors();
  OutputExecutor ex(banner_cmd("--delay-ms 20"), "READY", Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(mt::open_descriptors() - idle, with_plain - idle + 1);
  ex.stop();
  EXPECT_EQ(mt::open_descriptors(), idle);
}

}  // namespace
