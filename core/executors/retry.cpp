#include "executors/retry.hpp"

#include <stdexcept>

#include "executors/messages.hpp"
#include "mirakuru/errors.hpp"

namespace mirakuru::detail {

void validate_retry_options(const Options& options) {
  if (options.retries < 0 || options.retries > kMaxRetries) {
    throw std::invalid_argument("mirakuru::Options::retries: " + std::to_string(options.retries) +
                                " is out of range (0 to " + std::to_string(kMaxRetries) + ")");
  }
  if (options.retry_delay < std::chrono::milliseconds::zero() ||
      options.retry_delay > kMaxRetryDelay) {
    throw std::invalid_argument(
        "mirakuru::Options::retry_delay: " + format_duration(options.retry_delay) +
        " is out of range (0 to 1 h)");
  }
}

namespace {

// What failed, in a few words, for the list of attempts.
std::string kind_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TimeoutExpired&) {
    return "not ready in time";
  } catch (const AlreadyRunning&) {
    return "already in use";
  } catch (const ProcessExitedWithError&) {
    return "exited early";
  } catch (const SpawnError&) {
    return "could not be spawned";
  } catch (const StartInterrupted&) {
    return "interrupted";
  } catch (const ExecutorError&) {
    return "can never become ready";
  } catch (...) {
    return "failed";
  }
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string what_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

bool worth_retrying(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const SpawnError&) {
    return false;  // the binary, the cwd or the user is wrong: a new attempt fails the same way
  } catch (const ConfigError&) {
    return false;
  } catch (const StartInterrupted&) {
    return false;  // someone wants the start to end
  } catch (const ExecutorError&) {
    return true;
  } catch (...) {
    return false;
  }
}

void Attempts::failed(const std::exception_ptr& error, std::chrono::steady_clock::duration took,
                      std::string where) {
  entries_.push_back({error, first_line(what_of(error)), kind_of(error),
                      std::chrono::duration_cast<std::chrono::milliseconds>(took),
                      std::move(where)});
}

void Attempts::rethrow_last() const {
  const std::exception_ptr& last = entries_.back().error;
  if (entries_.size() == 1) std::rethrow_exception(last);
  std::string list = "start failed " + std::to_string(entries_.size()) + " times:";
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const Entry& e = entries_[k];
    list += "\n  attempt " + std::to_string(k + 1) + (e.where.empty() ? "" : " " + e.where) + ": " +
            e.kind + " after " + format_duration(e.took) + " - " + e.what;
  }
  rethrow_rewritten(
      last,
      [&](const std::string& what) {
        return list + "\nthe last attempt's error in full:\n" + what;
      },
      [&](ErrorDetails& details) { details.cause = list; });  // the tail: the last attempt's
}

void rethrow_rewritten(const std::exception_ptr& error,
                       const std::function<std::string(const std::string&)>& rewrite,
                       const std::function<void(ErrorDetails&)>& edit) {
  auto details = [&](ErrorDetails d) {
    if (edit) edit(d);
    return d;
  };
  // The most derived types first: callers catch what the executor itself would have thrown.
  try {
    std::rethrow_exception(error);
  } catch (const TimeoutExpired& e) {
    throw TimeoutExpired(e.command(), e.timeout(), rewrite(e.what()), details(e.details()));
  } catch (const AlreadyRunning& e) {
    throw AlreadyRunning(e.command(), rewrite(e.what()), details(e.details()));
  } catch (const ProcessExitedWithError& e) {
    throw ProcessExitedWithError(e.command(), e.exit_code(), rewrite(e.what()),
                                 details(e.details()));
  } catch (const ProcessFinishedWithError& e) {
    throw ProcessFinishedWithError(e.command(), e.exit_code(), rewrite(e.what()),
                                   details(e.details()));
  } catch (const SpawnError& e) {
    throw SpawnError(e.command(), e.errno_value(), e.stage(), rewrite(e.what()),
                     details(e.details()));
  } catch (const ConfigError& e) {
    throw ConfigError(e.json_path(), rewrite(e.what()), details(e.details()));
  } catch (const StartInterrupted& e) {
    throw StartInterrupted(e.command(), rewrite(e.what()), details(e.details()));
  } catch (const ExecutorError& e) {
    throw ExecutorError(e.command(), rewrite(e.what()), details(e.details()));
  } catch (const std::logic_error& e) {
    throw std::logic_error(rewrite(e.what()));
  } catch (const std::exception& e) {
    throw ExecutorError({}, rewrite(e.what()), details({{}, e.what(), {}}));
  } catch (...) {
    throw ExecutorError({}, rewrite("unknown exception"), details({{}, "unknown exception", {}}));
  }
}

}  // namespace mirakuru::detail
