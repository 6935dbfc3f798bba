#include "mirakuru/errors.hpp"

#include <utility>

namespace mirakuru {

ExecutorError::ExecutorError(std::string command, const std::string& message)
    : ExecutorError(std::move(command), message, ErrorDetails{{}, message, {}}) {}

ExecutorError::ExecutorError(std::string command, const std::string& message, ErrorDetails details)
    : std::runtime_error(message), command_(std::move(command)), details_(std::move(details)) {}

TimeoutExpired::TimeoutExpired(std::string command, std::chrono::milliseconds timeout,
                               const std::string& message)
    : ExecutorError(std::move(command), message), timeout_(timeout) {}

TimeoutExpired::TimeoutExpired(std::string command, std::chrono::milliseconds timeout,
                               const std::string& message, ErrorDetails details)
    : ExecutorError(std::move(command), message, std::move(details)), timeout_(timeout) {}

ProcessExitedWithError::ProcessExitedWithError(std::string command, int exit_code,
                                               const std::string& message)
    : ExecutorError(std::move(command), message), exit_code_(exit_code) {}

ProcessExitedWithError::ProcessExitedWithError(std::string command, int exit_code,
                                               const std::string& message, ErrorDetails details)
    : ExecutorError(std::move(command), message, std::move(details)), exit_code_(exit_code) {}

ProcessFinishedWithError::ProcessFinishedWithError(std::string command, int exit_code,
                                                   const std::string& message)
    : ExecutorError(std::move(command), message), exit_code_(exit_code) {}

ProcessFinishedWithError::ProcessFinishedWithError(std::string command, int exit_code,
                                                   const std::string& message, ErrorDetails details)
    : ExecutorError(std::move(command), message, std::move(details)), exit_code_(exit_code) {}

SpawnError::SpawnError(std::string command, int errno_value, std::string stage,
                       const std::string& message)
    : ExecutorError(std::move(command), message), errno_(errno_value), stage_(std::move(stage)) {}

SpawnError::SpawnError(std::string command, int errno_value, std::string stage,
                       const std::string& message, ErrorDetails details)
    : ExecutorError(std::move(command), message, std::move(details)),
      errno_(errno_value),
      stage_(std::move(stage)) {}

ConfigError::ConfigError(std::string json_path, const std::string& message)
    : ExecutorError({}, message), json_path_(std::move(json_path)) {}

ConfigError::ConfigError(std::string json_path, const std::string& message, ErrorDetails details)
    : ExecutorError({}, message, std::move(details)), json_path_(std::move(json_path)) {}

}  // namespace mirakuru
