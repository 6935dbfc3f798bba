#include "executors/retry.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru::detail {

void rethrow_for_service(const std::exception_ptr& error, const std::string& name,
                         const std::string& note) {
  const std::string prefix = "service '" + name + "': ";
  rethrow_rewritten(
      error,
      [&](const std::string& what) { return prefix + what + (note.empty() ? "" : "\n" + note); },
      [&](ErrorDetails& details) { details.service = name; });
}

}  // namespace mirakuru::detail
