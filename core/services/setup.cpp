#include <string>

#include "executors/messages.hpp"
#include "mirakuru/errors.hpp"
#include "process/timeline.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru::detail {

namespace {

// A failed setup command's error: what() is "setup command K/N `COMMAND` " + what went wrong,
// then the output tail; the cause leaves the command out.
template <typename Error, typename... Args>
[[noreturn]] void fail(const Command& command, const std::string& step, const std::string& what,
                       const std::string& tail, Args... args) {
  std::string message = step + " `" + command.str() + "` " + what;
  if (!tail.empty()) message += "\n" + tail;
  throw Error(command.str(), args..., message, ErrorDetails{{}, step + " " + what, tail});
}

}  // namespace

void run_setup(const ResolvedService& service) {
  const std::size_t total = service.setup.size();
  for (std::size_t k = 0; k < total; ++k) {
    const Command& command = service.setup[k];
    const std::string step = "setup command " + std::to_string(k + 1) + "/" + std::to_string(total);
    timeline::Span span(command.argv, command.line, "setup");
    span.arg("command", command.str());
    SimpleExecutor process(command, service.options);
    process.start();
    const auto timeout = service.options.timeout;
    const std::optional<int> code = process.wait(timeout);
    if (!code) {
      process.kill();
      fail<TimeoutExpired>(
          command, step,
          "did not finish within " + format_duration(timeout) + " (the service's \"timeout\")",
          process.output_tail(), timeout);
    }
    span.arg("returncode", *code);
    if (*code != 0) {
      fail<ProcessExitedWithError>(command, step,
                                   describe_returncode(*code) + " (setup commands must exit 0)",
                                   process.output_tail(), *code);
    }
  }
}

}  // namespace mirakuru::detail
