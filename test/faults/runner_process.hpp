// A runner program (mk_fault_runner, mk_termination_runner) started as a mirakuru service of the
// test: its own guardian is the subreaper that inherits whatever the runner leaves behind, so
// after the runner's death "nothing escaped" is checked on that guardian's children, not only on
// the pids the services wrote.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "leak_check.hpp"
#include "mirakuru/mirakuru.hpp"

namespace mirakuru::faults {

class RunnerProcess {
 public:
  // Starts `argv` and waits for its "READY" line (a runner that failed throws here, with its
  // output tail); then notes its pid, its supervisor and its guardians (its children by then).
  void launch(std::vector<std::string> argv, std::map<std::string, std::string> env) {
    exec_ = std::make_unique<OutputExecutor>(std::move(argv), "^READY$",
                                             Options{.env = std::move(env),
                                                     .timeout = std::chrono::seconds(30),
                                                     .stop_timeout = std::chrono::seconds(2)});
    exec_->start();
    pid_ = exec_->pid();
    supervisor_ = parent_of(pid_);
    guardians_ = children_of(pid_);
  }

  pid_t pid() const { return pid_; }
  OutputExecutor& exec() { return *exec_; }
  std::size_t guardian_count() const { return guardians_.size(); }

  void track_guardians(Scenario& s) const {
    for (pid_t g : guardians_) s.track(g, "guardian");
  }
  // Once the runner is dead, whatever survived it is reparented to the runner's supervisor
  // (a subreaper): every such process is tracked, so expect_gone() reports it.
  void track_orphans(Scenario& s) const {
    for (pid_t p : children_of(supervisor_)) {
      if (p != pid_) s.track(p, "orphan of the runner");
    }
  }
  std::optional<int> wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    return exec_->wait(limit);
  }
  // Reaps the runner (its supervisor keeps it as a zombie until then).
  void reap() { exec_->kill(); }

 private:
  std::unique_ptr<OutputExecutor> exec_;
  pid_t pid_ = -1;
  pid_t supervisor_ = -1;
  std::vector<pid_t> guardians_;
};

}  // namespace mirakuru::faults
