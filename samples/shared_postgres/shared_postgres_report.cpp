// sample.shared_postgres.report — runs after every test of the sample (a CTest fixture cleanup)
// and before the keeper's own `down`: reports for the demo what ran (one start, how many test
// processes attached), then stops the set with `mirakuru down` and checks that PostgreSQL's
// whole process tree and its tmpdir are gone.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <mirakuru/mirakuru.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sample_report.hpp"

namespace {

// What `mirakuru ARGS` printed on stdout.
std::string mirakuru_cli(const std::string& args) {
  std::string out;
  FILE* p = ::popen((std::string("'") + MIRAKURU_CLI + "' " + args).c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(SharedPostgresReport, OneStartForEveryTestProcess) {
  const std::string config = SAMPLE_BINARY_DIR "/shared_postgres.json";
  auto status = nlohmann::json::parse(mirakuru_cli("status --json"), nullptr, false);
  ASSERT_TRUE(status.is_object()) << "`mirakuru status --json` failed";
  nlohmann::json set;
  for (const auto& s : status["sets"]) {
    if (s.value("config", "") == config) set = s;
  }
  // Alone (ctest -R report), nothing requires the fixture: CTest started no keeper.
  if (!set.is_object()) GTEST_SKIP() << "no keeper runs the set: run it with ctest -L sample";
  const auto& pg = set["services"]["postgres"];
  const std::filesystem::path tmpdir = pg["tmpdir"].get<std::string>();

  // One line per start of postgres, written by the service's command itself.
  std::vector<pid_t> starts;
  std::ifstream in(tmpdir / "starts");
  for (long pid; in >> pid;) starts.push_back(static_cast<pid_t>(pid));
  EXPECT_EQ(starts.size(), 1u) << "PostgreSQL started more than once";
  std::vector<samples::Snapshot> shots;
  for (pid_t pid : starts) {
    shots.push_back(samples::started("shared_pg", "postgres", pid, pg["port"].get<int>(),
                                     set["start_ms"].get<double>(), "postgres (keeper)", tmpdir));
  }
  const int attaches = set["attaches"].get<int>();
  samples::detail::emit("[demo] shared\tshared_pg\tpostgres\t" + std::to_string(attaches) +
                        " test processes attached to " + std::to_string(starts.size()) +
                        " start(s)");
  EXPECT_GE(attaches, 12);  // every test of shared_postgres_test.cpp attached

  mirakuru_cli("down '" + config + "'");
  for (const auto& shot : shots) samples::cleaned(shot);
}

}  // namespace
