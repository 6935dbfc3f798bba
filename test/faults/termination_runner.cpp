// mk_termination_runner DIR [--failed-set | --interrupted-start] — a test runner whose service
// sets must leave no temporary directory behind when SIGINT/SIGTERM ends it through the
// termination handler.
//
// Installs mirakuru::install_termination_handler(), then starts a ServiceSet of two services
// that keep files in their ${tmpdir} (mk_graceful, recording how it was stopped in
// DIR/NAME.marker); writes each leader's pid to DIR/NAME.leader.pid and the set's scratch
// directory to DIR/scratch. With --failed-set, first builds another set whose service "broken"
// writes a file into its ${tmpdir} and exits 3 during start(): that tmpdir is kept for
// inspection, its path written to DIR/failed.tmpdir. Prints "READY", then waits for signals.
// With --interrupted-start, starts an executor that ignores SIGTERM (1.5 s grace), builds a set
// whose "db" (a shell, pid in DIR/db.leader.pid, exit 3 on SIGTERM) never becomes ready, writes its
// scratch directory to DIR/scratch, prints "READY" and calls start(): the signal makes it fail, and
// the runner destroys the set as a test framework would (DIR/set.destroyed) while the handler still
// waits for the slow executor.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "mirakuru/cleanup.hpp"
#include "mirakuru/mirakuru.hpp"
#include "test_support.hpp"

namespace {

using mirakuru::test::fixture;

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text << "\n";
}

// Marker paths are outside ${tmpdir} on purpose: they must survive the directory's removal.
std::string graceful(const std::filesystem::path& dir, const std::string& name) {
  return R"({"command": [")" + fixture("graceful") + R"(", "${tmpdir}/pid", ")" +
         (dir / (name + ".marker")).string() +
         R"("], "ready": {"file": {"path": "${tmpdir}/pid"}}, "timeout": "20s")";
}

mirakuru::ServiceSet start_live_set(const std::filesystem::path& dir) {
  const std::string config = R"({"services": {"db": )" + graceful(dir, "db") + R"(}, "api": )" +
                             graceful(dir, "api") + R"(, "depends_on": ["db"]}}})";
  auto set = mirakuru::ServiceSet::from_string(config);
  set.start();
  for (const char* name : {"db", "api"}) {
    write_file(dir / (std::string(name) + ".leader.pid"), std::to_string(set.executor(name).pid()));
  }
  write_file(dir / "scratch", set.tmpdir("db").parent_path().string());
  return set;
}

// A set whose second service fails during start(): the normal path keeps its tmpdir.
mirakuru::ServiceSet start_failed_set(const std::filesystem::path& dir) {
  const std::string config = R"({"services": {"ok": )" + graceful(dir, "ok") + R"(},
    "broken": {"command": "echo evidence > ${tmpdir}/evidence; exit 3", "shell": true,
               "depends_on": ["ok"], "ready": {"file": {"path": "${tmpdir}/never"}},
               "timeout": "20s"}}})";
  auto set = mirakuru::ServiceSet::from_string(config);
  try {
    set.start();
  } catch (const mirakuru::ProcessExitedWithError&) {
    write_file(dir / "failed.tmpdir", set.tmpdir("broken").string());
    return set;
  }
  throw std::runtime_error("the broken service started");
}

int interrupted_start(const std::filesystem::path& dir) {
  using namespace std::chrono_literals;
  // Ready once it ignores SIGTERM: then the handler waits 1.5 s for it.
  mirakuru::OutputExecutor slow(fixture("term_ignorer"), "^ready$", {.stop_timeout = 1500ms});
  slow.start();
  {
    // Exits 3 on SIGTERM: start() fails at once (an exit 0 could be a daemon going away). The
    // pid file comes 0.3 s after the spawn: by then this runner has registered the process, so
    // the handler's first round stops it (a later round would come only after `slow`).
    auto set = mirakuru::ServiceSet::from_string(
        R"({"services": {"db": {"command": "trap 'exit 3' TERM; sleep 0.3; echo $$$$ > )" +
        (dir / "db.leader.pid").string() + R"(; while :; do sleep 0.05; done", "shell": true,
        "ready": {"file": {"path": "${tmpdir}/never"}}, "timeout": "20s"}}})");
    write_file(dir / "scratch", set.tmpdir("db").parent_path().string());
    std::printf("READY\n");
    std::fflush(stdout);
    try {
      set.start();
    } catch (const std::exception& e) {
      write_file(dir / "start.error", e.what());
    }
  }
  write_file(dir / "set.destroyed", "yes");
  for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mk_termination_runner DIR [--failed-set]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const bool failed_set = argc > 2 && std::strcmp(argv[2], "--failed-set") == 0;
  mirakuru::install_termination_handler();
  try {
    if (argc > 2 && std::strcmp(argv[2], "--interrupted-start") == 0) return interrupted_start(dir);
    std::optional<mirakuru::ServiceSet> failed;
    if (failed_set) failed.emplace(start_failed_set(dir));
    [[maybe_unused]] const auto live = start_live_set(dir);
    std::printf("READY\n");
    std::fflush(stdout);
    for (;;) ::pause();  // the handler ends the runner; nothing below ever runs
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runner failed: %s\n", e.what());
    return 3;
  }
}
