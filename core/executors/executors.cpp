// The readiness executors of executors.hpp: each an Executor composed with one probe.
#include "mirakuru/executors.hpp"

#include <stdexcept>
#include <utility>

namespace mirakuru {

// Arguments of one call are initialized in no fixed order: where the probe reads `options`, the
// executor gets a copy rather than a moved-from value (hence the NOLINTs: by value is the
// public signature, and the copy is deliberate).

namespace {

// Paths a service writes are relative to its own working directory.
std::filesystem::path in_cwd(std::filesystem::path path, const Options& options) {
  if (path.is_relative() && !options.cwd.empty()) return options.cwd / path;
  return path;
}

}  // namespace

// NOLINTBEGIN(performance-unnecessary-value-param)
OutputExecutor::OutputExecutor(Command command, std::string banner_regex, Options options,
                               OutputStreams streams, int times)
    : Executor(std::move(command), make_output_probe(banner_regex, streams, times), options) {
  const bool out = streams != OutputStreams::Stderr && options.stdout_mode == Stdio::Capture;
  const bool err = streams != OutputStreams::Stdout && options.stderr_mode == Stdio::Capture;
  if (!out && !err) {
    throw std::invalid_argument(
        "mirakuru::OutputExecutor for \"" + this->command().str() + "\": the banner /" +
        banner_regex +
        "/ is watched on a stream that is not captured (Options::stdout_mode / stderr_mode "
        "must be Stdio::Capture for the stream the banner is printed on)");
  }
}

TcpExecutor::TcpExecutor(Command command, std::string host, int port, Options options)
    : Executor(std::move(command), make_tcp_probe(host, port), std::move(options)),
      host_(std::move(host)),
      port_(port) {}

HttpExecutor::HttpExecutor(Command command, std::string url, HttpCheck check, Options options)
    : Executor(std::move(command), make_http_probe(url, std::move(check)), std::move(options)),
      url_(std::move(url)) {}

UnixSocketExecutor::UnixSocketExecutor(Command command, std::filesystem::path socket,
                                       Options options)
    : Executor(std::move(command), make_unix_socket_probe(in_cwd(std::move(socket), options)),
               options) {}

PidExecutor::PidExecutor(Command command, std::filesystem::path file, Options options,
                         bool require_content)
    : Executor(std::move(command),
               make_file_probe(in_cwd(std::move(file), options), require_content), options) {}

ExecProbeExecutor::ExecProbeExecutor(Command command, Command check, Options options)
    : Executor(std::move(command), make_exec_probe(std::move(check), options), options) {}

// NOLINTEND(performance-unnecessary-value-param)

}  // namespace mirakuru
