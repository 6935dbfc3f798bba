// Services that die *between* two tests, made deterministic. Run by gt_between_runner_test
// (each scenario through --gtest_filter); not a ctest test of its own: it fails on purpose.
//
// A test arranges a death; the death is carried out once that test has ended and is awaited
// on the process itself (SimpleExecutor::wait), so it has certainly happened before the next
// test starts — the layer must then fail that next test, not the one that arranged it:
// - Between.*       the global environment's alpha is SIGKILLed after Between.A ends (by the
//                   Saboteur listener below, after the layer's own end-of-test check);
// - FirstSuite.*,   alpha is asked to stop (SIGTERM: mk_gt_server exits 0) in FirstSuite's
//   SecondSuite.*   TearDownTestSuite, between FirstSuite.A and SecondSuite.B;
// - OwnSuite.*      a SuiteServices set's gamma is SIGKILLed between two tests of its suite;
// - Between.A alone the death follows the run's last test;
// - Daemonized.*    (with GT_DAEMON=1) a service whose launcher exits 0 during start() after
//                   daemonizing is not a death at all.
// Every test body prints "GT_BODY NAME" so the runner can tell which bodies ran.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

std::string marker_dir() {
  const char* dir = std::getenv("GT_MARKER_DIR");  // NOLINT(concurrency-mt-unsafe): main thread
  return dir ? dir : "";
}

// Sends `sig` to the service's process group and returns once the process has exited and its
// status is known (so running() is false for whoever looks next). Prints what happened.
void kill_and_wait(const std::string& name, mirakuru::SimpleExecutor& service, int sig) {
  service.signal(sig);
  auto code = service.wait(std::chrono::seconds(10));
  if (!code) {
    std::printf("GT_NOT_DEAD %s\n", name.c_str());  // the runner fails on this
  } else {
    std::printf("GT_DEAD %s %d\n", name.c_str(), *code);
  }
  std::fflush(stdout);
}

// A death a test asked for, to be carried out after that test's end.
struct Arranged {
  std::string name;
  mirakuru::SimpleExecutor* service;
  int sig;
};
std::optional<Arranged> arranged;

// Carries out the arranged death in OnTestEnd. GoogleTest calls OnTestEnd in reverse order of
// registration and main() appends this listener before the ServiceEnvironment (whose
// constructor appends the layer's watcher): the watcher has finished its end-of-test check
// when the service dies, so the death is neither "during" the ended test nor racing it.
class Saboteur : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo&) override {
    if (!arranged) return;
    kill_and_wait(arranged->name, *arranged->service, arranged->sig);
    arranged.reset();
  }
};

mirakuru::ServiceSet& global() { return mirakuru::gtest::services(); }

void body() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("GT_BODY %s.%s\n", test->test_suite_name(), test->name());
  std::fflush(stdout);
}

// --- Between.*: the global set's alpha is killed between two tests of one suite.

TEST(Between, A) {
  body();
  ASSERT_TRUE(global().executor("alpha").running());
  arranged = Arranged{"alpha", &global().executor("alpha"), SIGKILL};
}

TEST(Between, B) {
  body();
  std::printf("GT_ALPHA_RUNNING %d\n", global().executor("alpha").running() ? 1 : 0);
}

// Reported once: the test after the one that was failed for the death passes.
TEST(Between, C) {
  body();
  EXPECT_TRUE(global().executor("beta").running());
}

// --- FirstSuite / SecondSuite: alpha stops by itself (exit 0) between two suites.

class FirstSuite : public ::testing::Test {
 public:
  // User code at a suite boundary: after FirstSuite.A ended, before SecondSuite.B starts.
  static void TearDownTestSuite() { kill_and_wait("alpha", global().executor("alpha"), SIGTERM); }
};

TEST_F(FirstSuite, A) {
  body();
  EXPECT_TRUE(global().executor("alpha").running());
}

TEST(SecondSuite, B) { body(); }

// --- OwnSuite: a suite-level set's service dies between two tests of that suite.

class OwnSuite : public mirakuru::gtest::SuiteServices<OwnSuite> {
 public:
  static nlohmann::json ServicesConfig() {
    return {{"services", {{"gamma", mirakuru::gtest_test::server("gamma", marker_dir())}}}};
  }
};

TEST_F(OwnSuite, A) {
  body();
  ASSERT_TRUE(services().executor("gamma").running());
  arranged = Arranged{"gamma", &services().executor("gamma"), SIGKILL};
}

TEST_F(OwnSuite, B) { body(); }

// --- Daemonized: delta's launcher exited 0 inside start(); its daemon serves on.

// mk_daemon writes the daemon's pid file, then its launcher exits 0 (and stays a zombie: the
// core reaps a leader last). Ready only once the launcher is a zombie, so its exit happens
// inside start(), not after it.
nlohmann::json daemonized() {
  return {
      {"command", "echo $$$$ > ${tmpdir}/leader && exec " + mirakuru::test::fixture("daemon") +
                      " ${tmpdir}/pid"},
      {"shell", true},
      {"ready",
       {{"exec",
         {{"command",
           {"sh", "-c",
            "test -s ${tmpdir}/pid && grep -q ') Z' \"/proc/$(cat ${tmpdir}/leader)/stat\""}}}}}},
      {"timeout", "10s"}};
}

TEST(Daemonized, First) {
  body();
  pid_t daemon = mirakuru::test::read_pid_file(global().tmpdir("delta") / "pid");
  std::printf("GT_DAEMON_PID %d\n", static_cast<int>(daemon));
  EXPECT_TRUE(mirakuru::test::alive(daemon));
  EXPECT_FALSE(global().executor("delta").running());  // its launcher is gone
}

TEST(Daemonized, Second) {
  body();
  EXPECT_TRUE(
      mirakuru::test::alive(mirakuru::test::read_pid_file(global().tmpdir("delta") / "pid")));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Before the environment: see Saboteur.
  ::testing::UnitTest::GetInstance()->listeners().Append(new Saboteur);
  auto config = mirakuru::gtest_test::two_servers(marker_dir());
  // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread starts
  if (std::getenv("GT_DAEMON") != nullptr) config["services"]["delta"] = daemonized();
  ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(config));
  return RUN_ALL_TESTS();
}
