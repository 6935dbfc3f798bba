// mirakuru/errors.hpp — everything the executors and service sets throw.
//
// All errors derive from ExecutorError (a std::runtime_error). what() always names the command
// (or, for ConfigError, the JSON path) and, where a process produced output, ends with its tail:
// at most the last 20 lines / 4 KiB of stdout and stderr.
//
//   ExecutorError
//   ├── TimeoutExpired            not ready (or not stopped) within the timeout
//   ├── AlreadyRunning            pre_start_check() found the port/socket/file already taken
//   ├── ProcessExitedWithError    the process exited/died while start() waited for readiness
//   ├── ProcessFinishedWithError  stop() saw an exit code that was not expected
//   ├── SpawnError                exec failed: bad binary, permissions, cwd, user...
//   ├── StartInterrupted          interrupt_start() from another thread ended a start()
//   └── ConfigError               a service set's JSON is invalid
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace mirakuru {

class ExecutorError : public std::runtime_error {
 public:
  // `command` is the command line as shown to users (may be empty for ConfigError).
  ExecutorError(std::string command, const std::string& message);
  const std::string& command() const noexcept { return command_; }

 private:
  std::string command_;
};

class TimeoutExpired : public ExecutorError {
 public:
  TimeoutExpired(std::string command, std::chrono::milliseconds timeout,
                 const std::string& message);
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }

 private:
  std::chrono::milliseconds timeout_;
};

class AlreadyRunning : public ExecutorError {
 public:
  using ExecutorError::ExecutorError;
};

class ProcessExitedWithError : public ExecutorError {
 public:
  // exit_code: like returncode(), -N for death by signal N.
  ProcessExitedWithError(std::string command, int exit_code, const std::string& message);
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

class ProcessFinishedWithError : public ExecutorError {
 public:
  ProcessFinishedWithError(std::string command, int exit_code, const std::string& message);
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

class SpawnError : public ExecutorError {
 public:
  // stage: the step that failed in the child, e.g. "chdir", "execve", "setuid".
  SpawnError(std::string command, int errno_value, std::string stage, const std::string& message);
  int errno_value() const noexcept { return errno_; }
  const std::string& stage() const noexcept { return stage_; }

 private:
  int errno_;
  std::string stage_;
};

// start() was ended by interrupt_start() from another thread; what it had started is dead and
// reaped.
class StartInterrupted : public ExecutorError {
 public:
  using ExecutorError::ExecutorError;
};

class ConfigError : public ExecutorError {
 public:
  // json_path: a JSON pointer such as "/services/db/port" ("" for the document itself).
  ConfigError(std::string json_path, const std::string& message);
  const std::string& json_path() const noexcept { return json_path_; }

 private:
  std::string json_path_;
};

// How a process ended, from a returncode (-N: death by signal N): "exited with code 1",
// "was killed by signal 9 (SIGKILL)". The wording every error message of the library uses.
std::string describe_returncode(int returncode);

}  // namespace mirakuru
