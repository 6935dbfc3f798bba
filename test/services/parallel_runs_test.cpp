// 8 copies of one service set started at once in 8 processes: "auto" ports never collide.
// The test binary re-runs itself as the copies (ServiceSetChild, only active with
// $MK_SVC_CHILD_CONFIG set).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "mirakuru/executors.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

constexpr const char* kChildFilter = "--gtest_filter=ServiceSetChild.DISABLED_RunOneCopy";

// One copy: start the set, publish its ports, hold them until SIGTERM, then stop cleanly.
TEST(ServiceSetChild, DISABLED_RunOneCopy) {
  const char* config = std::getenv("MK_SVC_CHILD_CONFIG");
  if (config == nullptr) GTEST_SKIP() << "only run by ServiceSetParallel";
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, nullptr), 0);  // before any thread exists

  auto set = ServiceSet::from_file(config);
  set.start();
  ASSERT_TRUE(set.running());
  std::printf("CHILD-READY %d %d %d %d\n", set.port("a"), set.port("b"), set.port("c"),
              set.port("c", "admin"));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&term, &sig);
  set.stop();
  EXPECT_FALSE(set.running());
}

TEST(ServiceSetParallel, EightCopiesWithAutoPortsAllStart) {
  test::TempDir dir;
  const auto config = dir / "set.json";
  std::ofstream(config) << test::with_svc(R"({"services": {
    "a": {"command": "${vars.svc} --port ${port}", "port": "auto", "ready": {"tcp": {}}},
    "b": {"command": "${vars.svc} --port ${port} --needs-port ${services.a.port} --http",
          "port": "auto", "depends_on": ["a"], "ready": {"http": {"method": "GET"}}},
    "c": {"command": "${vars.svc} --port ${port} --unix ${tmpdir}/c.sock", "port": "auto",
          "ports": {"admin": "auto"}, "ready": {"unix_socket": {"path": "${tmpdir}/c.sock"}}}
  }})")
                               .dump(2);

  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::unique_ptr<OutputExecutor>> copies;
  for (int i = 0; i < 8; ++i) {
    Options options;
    options.env["MK_SVC_CHILD_CONFIG"] = config.string();
    options.timeout = std::chrono::seconds(60);
    copies.push_back(std::make_unique<OutputExecutor>(
        Command{self, kChildFilter, "--gtest_also_run_disabled_tests"}, "^CHILD-READY ", options));
  }
  std::vector<std::thread> starters;
  std::vector<std::string> errors(copies.size());
  for (std::size_t i = 0; i < copies.size(); ++i) {
    starters.emplace_back([&, i] {
      try {
        copies[i]->start();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : starters) t.join();

  std::set<int> ports;
  for (std::size_t i = 0; i < copies.size(); ++i) {
    EXPECT_EQ(errors[i], "") << "copy " << i;
    std::istringstream out(copies[i]->output());
    std::string line;
    while (std::getline(out, line)) {
      if (line.rfind("CHILD-READY ", 0) != 0) continue;
      std::istringstream fields(line.substr(12));
      int port = 0;
      while (fields >> port) ports.insert(port);
    }
  }
  EXPECT_EQ(ports.size(), 8u * 4u) << "every copy got its own four ports while all ran at once";
  for (auto& copy : copies) {
    copy->stop();
    EXPECT_EQ(copy->returncode(), 0) << copy->output();
  }
}

}  // namespace
}  // namespace mirakuru
