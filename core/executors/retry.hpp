// Retrying a failed start: which failures a fresh process may cure, the record of every attempt
// for the final error, and rethrowing an error as its own type with a new message. Shared by
// Executor::start() (Options::retries) and the service set, which also gives an auto port a new
// number between attempts.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "mirakuru/errors.hpp"
#include "mirakuru/options.hpp"

namespace mirakuru::detail {

// Bounds of Options::retries / retry_delay (and of the JSON keys).
inline constexpr int kMaxRetries = 100;
inline constexpr std::chrono::milliseconds kMaxRetryDelay{std::chrono::hours(1)};

// std::invalid_argument naming the field when retries or retry_delay is out of bounds.
void validate_retry_options(const Options& options);

// Whether a failed start() may succeed with a fresh process: a timeout, an early exit, a taken
// port/socket/file, a probe that gave up. Not: SpawnError (exec cannot work), an interrupted
// start, logic errors, anything that is not an ExecutorError.
bool worth_retrying(const std::exception_ptr& error);

// The failed attempts of one start.
class Attempts {
 public:
  // `where` is shown after the number ("on port 41235"), may be empty.
  void failed(const std::exception_ptr& error, std::chrono::steady_clock::duration took,
              std::string where = {});
  std::size_t size() const { return entries_.size(); }

  // Rethrows the last error as its own type; with more than one attempt its what() starts with
  // the list of every attempt, then says "the last attempt's error in full:" and what() was.
  [[noreturn]] void rethrow_last() const;

 private:
  struct Entry {
    std::exception_ptr error;
    std::string what;  // the first line of what()
    std::string kind;  // "timed out", "exited early", ...
    std::chrono::milliseconds took;
    std::string where;
  };
  std::vector<Entry> entries_;
};

// Rethrows `error` as the same type (TimeoutExpired, AlreadyRunning, ProcessExitedWithError,
// ProcessFinishedWithError, SpawnError, ConfigError, StartInterrupted, ExecutorError,
// std::logic_error; anything else as ExecutorError) with `rewrite(what())` as its message and its
// ErrorDetails passed through `edit` (when given).
[[noreturn]] void rethrow_rewritten(const std::exception_ptr& error,
                                    const std::function<std::string(const std::string&)>& rewrite,
                                    const std::function<void(ErrorDetails&)>& edit = {});

}  // namespace mirakuru::detail
