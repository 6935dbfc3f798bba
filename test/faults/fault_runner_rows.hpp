// mk_fault_runner as the fault rows drive it: started as a service of the test (see
// runner_process.hpp), with the pid files it writes, and the check every "the runner died"
// row ends with.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "leak_check.hpp"
#include "runner_process.hpp"
#include "test_support.hpp"

namespace mirakuru::faults {

// One mk_fault_runner and its pid files.
class FaultRunner : public RunnerProcess {
 public:
  void start(const std::string& mode, std::vector<std::string> flags = {});

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string file(const std::string& name) const { return read_text(dir_ / name); }
  void track_services(Scenario& s) const { s.track_pid_files(dir_.path()); }

 private:
  test::TempDir dir_;
};

// The runner dies without running any cleanup code: every service and daemon goes within a
// second of its death (guardians see their control pipe close). `killed_at`: when the test
// killed it; unset when the runner ended itself (abort, exit), where the clock starts at its
// observed death — what a process does before it dies (a sanitizer's exit report) is not ours.
void expect_orphan_cleanup(Scenario& s, FaultRunner& runner, int signal,
                           std::optional<std::chrono::steady_clock::time_point> killed_at = {});

// The test kills the runner with `signal`: the clock starts at the kill.
void kill_runner_then_expect_orphan_cleanup(Scenario& s, FaultRunner& runner, int signal);

}  // namespace mirakuru::faults
