// mirakuru/errors.hpp — everything the executors and service sets throw.
//
// All errors derive from ExecutorError (a std::runtime_error). what() always names the command
// (or, for ConfigError, the JSON path) and, where a process produced output, ends with its tail:
// at most the last 20 lines / 4 KiB of stdout and stderr. A ServiceSet puts "service 'NAME': "
// in front. The same facts come apart in fields, for code that reports errors its own way:
// command(), service(), cause() and output_tail() (see ErrorDetails) — match on those and on the
// type, never on what()'s wording.
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

// The parts of an error, for code that reports it in its own words (what() says it all in one
// text). Every error the library throws fills them; an error built from a message alone has the
// message as its cause and the other two empty.
struct ErrorDetails {
  // The service (of a ServiceSet) whose executor failed; "" for a bare executor.
  std::string service;
  // What went wrong, in the library's words, without the command it happened to (command()), the
  // "service 'NAME': " prefix and the output tail: "exited with code 3 after 12 ms, before it was
  // ready (waiting for ...)". One line, except for a start retried several times, whose cause lists
  // every attempt, one a line.
  std::string cause;
  // The last lines of the process's stdout and stderr (at most 20 lines / 4 KiB), as what() ends
  // with them; "" when the process wrote nothing or none ran (SpawnError, AlreadyRunning...).
  std::string output_tail;
};

class ExecutorError : public std::runtime_error {
 public:
  // `command` is the command line as shown to users (may be empty for ConfigError).
  ExecutorError(std::string command, const std::string& message);
  ExecutorError(std::string command, const std::string& message, ErrorDetails details);
  const std::string& command() const noexcept { return command_; }
  // The structured parts of what(): see ErrorDetails.
  const std::string& service() const noexcept { return details_.service; }
  const std::string& cause() const noexcept { return details_.cause; }
  const std::string& output_tail() const noexcept { return details_.output_tail; }
  const ErrorDetails& details() const noexcept { return details_; }

 private:
  std::string command_;
  ErrorDetails details_;
};

class TimeoutExpired : public ExecutorError {
 public:
  TimeoutExpired(std::string command, std::chrono::milliseconds timeout,
                 const std::string& message);
  TimeoutExpired(std::string command, std::chrono::milliseconds timeout, const std::string& message,
                 ErrorDetails details);
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
  ProcessExitedWithError(std::string command, int exit_code, const std::string& message,
                         ErrorDetails details);
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

class ProcessFinishedWithError : public ExecutorError {
 public:
  ProcessFinishedWithError(std::string command, int exit_code, const std::string& message);
  ProcessFinishedWithError(std::string command, int exit_code, const std::string& message,
                           ErrorDetails details);
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

class SpawnError : public ExecutorError {
 public:
  // stage: the step that failed in the child, e.g. "chdir", "execve", "setuid".
  SpawnError(std::string command, int errno_value, std::string stage, const std::string& message);
  SpawnError(std::string command, int errno_value, std::string stage, const std::string& message,
             ErrorDetails details);
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
  ConfigError(std::string json_path, const std::string& message, ErrorDetails details);
  const std::string& json_path() const noexcept { return json_path_; }

 private:
  std::string json_path_;
};

// How a process ended, from a returncode (-N: death by signal N): "exited with code 1",
// "was killed by signal 9 (SIGKILL)". The wording every error message of the library uses.
std::string describe_returncode(int returncode);

}  // namespace mirakuru
