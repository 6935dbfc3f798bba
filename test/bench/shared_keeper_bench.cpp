// shared_keeper_bench: N tests, each in a process of its own (what gtest_discover_tests makes),
// run by `ctest -j2` against a service that takes 300 ms to get ready — once with a global
// environment per process (every process starts the service), once with the keeper as a CTest
// fixture (one start, every process attaches). Prints wall times, start counts and the cost of
// one ServiceSet::attach_running() as JSON.
//   shared_keeper_bench [--smoke]     (N = 50; --smoke: N = 4)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "mirakuru/service_set.hpp"
#include "test_support.hpp"

namespace {

using mirakuru::bench::ms;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

int lines_of(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

int shell(const std::string& command) { return std::system(command.c_str()); }  // NOLINT

// A CTestTestfile.cmake of `n` tests; `keeper`: with the fixture and MIRAKURU_ATTACH.
void write_ctest_file(const fs::path& dir, int n, bool keeper, const fs::path& config,
                      const fs::path& state) {
  fs::create_directories(dir);
  std::ofstream out(dir / "CTestTestfile.cmake");
  const std::string cli = MIRAKURU_CLI;
  if (keeper) {
    out << "add_test(svc.up " << quoted(cli) << " up " << quoted(config) << " --state-dir "
        << quoted(state) << ")\nset_tests_properties(svc.up PROPERTIES FIXTURES_SETUP svc)\n"
        << "add_test(svc.down " << quoted(cli) << " down " << quoted(config) << " --state-dir "
        << quoted(state) << ")\nset_tests_properties(svc.down PROPERTIES FIXTURES_CLEANUP svc)\n";
  }
  for (int i = 0; i < n; ++i) {
    const std::string name = "t" + std::to_string(i);
    out << "add_test(" << name << " " << quoted(MIRAKURU_SHARED_TESTS)
        << " --gtest_filter=Bench/Shared.UsesTheService/" << i << ")\n"
        << "set_tests_properties(" << name << " PROPERTIES TIMEOUT 60 ENVIRONMENT ";
    if (keeper) {
      out << quoted("MIRAKURU_ATTACH=" + config.string() + ";MIRAKURU_STATE_DIR=" + state.string())
          << " FIXTURES_REQUIRED svc)\n";
    } else {
      out << quoted("MIRAKURU_SERVICES=" + config.string()) << ")\n";
    }
  }
}

// Runs `ctest -j2` in `dir`; returns the wall time (ms) and whether every test passed.
nlohmann::json run_ctest(const fs::path& dir, const fs::path& starts) {
  fs::remove(starts);
  const auto t0 = Clock::now();
  const int rc = shell(std::string("'") + MIRAKURU_CTEST + "' -j2 --test-dir '" + dir.string() +
                       "' >'" + (dir / "ctest.log").string() + "' 2>&1");
  return {{"wall_ms", ms(Clock::now() - t0)}, {"passed", rc == 0}, {"starts", lines_of(starts)}};
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = mirakuru::bench::smoke(argc, argv);
  const int n = smoke ? 4 : 50;
  mirakuru::test::TempDir dir;
  const fs::path config = dir / "services.json", state = dir / "state", starts = dir / "starts";
  // Ready 300 ms after it starts; every start appends a line to `starts`.
  const nlohmann::json set = {
      {"services",
       {{"svc",
         {{"command",
           {"sh", "-c",
            "echo x >> '" + starts.string() + "'; exec " + mirakuru::test::fixture("svc_service") +
                " --port ${port} --delay 300"}},
          {"port", "auto"},
          {"ready", {{"tcp", {{"port", "${port}"}}}}}}}}}};
  std::ofstream(config) << set.dump(2);

  write_ctest_file(dir / "per_process", n, false, config, state);
  write_ctest_file(dir / "keeper", n, true, config, state);
  nlohmann::json out = {
      {"bench", "shared_keeper"}, {"tests", n}, {"ready_delay_ms", 300}, {"ctest_jobs", 2}};
  out["per_process"] = run_ctest(dir / "per_process", starts);
  out["keeper"] = run_ctest(dir / "keeper", starts);

  // One attach_running(): connect, ask, parse, build the view (the process start aside).
  const std::string up = std::string("'") + MIRAKURU_CLI + "' up '" + config.string() +
                         "' --state-dir '" + state.string() + "' --watch-pid 0 >/dev/null";
  std::vector<double> attach;
  if (shell(up) == 0) {
    for (int i = 0; i < (smoke ? 20 : 500); ++i) {
      const auto t0 = Clock::now();
      auto view = mirakuru::ServiceSet::attach_running(config, state);
      attach.push_back(ms(Clock::now() - t0));
    }
  }
  shell(std::string("'") + MIRAKURU_CLI + "' down '" + config.string() + "' --state-dir '" +
        state.string() + "' >/dev/null");
  out["attach_ms"] = {{"samples", attach.size()},
                      {"p50", mirakuru::bench::quantile(attach, 0.5)},
                      {"p95", mirakuru::bench::quantile(attach, 0.95)},
                      {"max", mirakuru::bench::quantile(attach, 1.0)}};
  std::printf("%s\n", out.dump(2).c_str());
  const bool ok = out["per_process"]["passed"] && out["keeper"]["passed"] &&
                  out["keeper"]["starts"] == 1 && out["per_process"]["starts"] == n &&
                  !attach.empty();
  return ok ? 0 : 1;
}
