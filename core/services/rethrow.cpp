#include <system_error>

#include "mirakuru/errors.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru::detail {

void rethrow_for_service(const std::exception_ptr& error, const std::string& name,
                         const std::string& note) {
  const std::string prefix = "service '" + name + "': ";
  auto message = [&](const std::exception& e) {
    return prefix + e.what() + (note.empty() ? "" : "\n" + note);
  };
  // The most derived types first: callers catch what the executor itself would have thrown.
  try {
    std::rethrow_exception(error);
  } catch (const TimeoutExpired& e) {
    throw TimeoutExpired(e.command(), e.timeout(), message(e));
  } catch (const AlreadyRunning& e) {
    throw AlreadyRunning(e.command(), message(e));
  } catch (const ProcessExitedWithError& e) {
    throw ProcessExitedWithError(e.command(), e.exit_code(), message(e));
  } catch (const ProcessFinishedWithError& e) {
    throw ProcessFinishedWithError(e.command(), e.exit_code(), message(e));
  } catch (const SpawnError& e) {
    throw SpawnError(e.command(), e.errno_value(), e.stage(), message(e));
  } catch (const ConfigError& e) {
    throw ConfigError(e.json_path(), message(e));
  } catch (const ExecutorError& e) {
    throw ExecutorError(e.command(), message(e));
  } catch (const std::logic_error& e) {
    throw std::logic_error(message(e));
  } catch (const std::exception& e) {
    // Our own preparations (tmpdir, ownership): still an ExecutorError for the caller.
    throw ExecutorError({}, message(e));
  }
}

}  // namespace mirakuru::detail
