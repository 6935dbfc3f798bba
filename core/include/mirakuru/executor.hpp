// mirakuru/executor.hpp — an executor that waits until its process is ready.
//
//   class MyExecutor : public mirakuru::Executor {        // the Python mirakuru way
//    public:
//     using Executor::Executor;
//     bool pre_start_check() override { return port_taken(); }   // -> AlreadyRunning
//     bool after_start_check() override { return answers(); }    // ready?
//   };
//
// or compose a Probe (see probe.hpp): mirakuru::Executor ex(cmd, std::make_unique<MyProbe>()).
//
// start(): throws AlreadyRunning when pre_start_check() is true (nothing is started). Otherwise
// spawns and waits until after_start_check() is true, within Options::timeout measured from the
// call (one deadline for everything). Meanwhile:
// - the process exiting non-zero or by a signal is ProcessExitedWithError at once (within
//   milliseconds), with the exit code and the output tail;
// - the process exiting 0 may have daemonized (pg_ctl start): the wait goes on, unless the probe
//   says it can never succeed;
// - at the deadline: TimeoutExpired with what the probe last saw and the output tail.
// On any error, the process tree is killed and reaped before start() throws.
#pragma once

#include <memory>

#include "mirakuru/probe.hpp"
#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

class Executor : public SimpleExecutor {
 public:
  Executor(Command command, Options options = {});
  Executor(Command command, std::unique_ptr<Probe> probe, Options options = {});
  ~Executor() override;
  Executor(Executor&&) noexcept;
  Executor& operator=(Executor&&) noexcept;

  Executor& start() override;

  // Default: the probe's occupied(), or false without a probe.
  virtual bool pre_start_check();
  // Default: the probe's check() is Ready, or true without a probe.
  virtual bool after_start_check();

  Probe* probe() const { return probe_.get(); }

 private:
  std::unique_ptr<Probe> probe_;
  std::string last_detail_;
};

}  // namespace mirakuru
