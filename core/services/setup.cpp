#include <string>

#include "mirakuru/errors.hpp"
#include "process/timeline.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru::detail {

namespace {

std::string with_tail(std::string message, const std::string& tail) {
  if (!tail.empty()) {
    message += '\n';
    message += tail;
  }
  return message;
}

}  // namespace

void run_setup(const ResolvedService& service) {
  const std::size_t total = service.setup.size();
  for (std::size_t k = 0; k < total; ++k) {
    const Command& command = service.setup[k];
    const std::string label = "setup command " + std::to_string(k + 1) + "/" +
                              std::to_string(total) + " `" + command.str() + "`";
    timeline::Span span(command.argv, command.line, "setup");
    span.arg("command", command.str());
    SimpleExecutor process(command, service.options);
    process.start();
    const auto timeout = service.options.timeout;
    const std::optional<int> code = process.wait(timeout);
    if (!code) {
      process.kill();
      throw TimeoutExpired(
          command.str(), timeout,
          with_tail(label + " did not finish within " + std::to_string(timeout.count()) +
                        " ms (the service's \"timeout\")",
                    process.output_tail()));
    }
    span.arg("returncode", *code);
    if (*code != 0) {
      const std::string how = *code < 0 ? "was killed by signal " + std::to_string(-*code)
                                        : "exited with code " + std::to_string(*code);
      std::string message = label;
      message += ' ';
      message += how;
      message += " (setup commands must exit 0)";
      throw ProcessExitedWithError(command.str(), *code,
                                   with_tail(std::move(message), process.output_tail()));
    }
  }
}

}  // namespace mirakuru::detail
