// describe_returncode(), describe_signal(): the one wording of "how did it end" for every
// message.
#include <csignal>
#include <string>
#include <string_view>

#include "mirakuru/errors.hpp"

namespace mirakuru {
namespace {

// sigabbrev_np() is glibc >= 2.32 only; the signals a service dies of are few.
std::string_view signal_name(int sig) {
  switch (sig) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    default:
      return "";
  }
}

}  // namespace

std::string describe_signal(int sig) {
  std::string text = "signal " + std::to_string(sig);
  const std::string_view name = signal_name(sig);
  if (!name.empty()) {
    text += " (";
    text += name;
    text += ')';
  }
  return text;
}

std::string describe_returncode(int returncode) {
  if (returncode >= 0) return "exited with code " + std::to_string(returncode);
  return "was killed by " + describe_signal(-returncode);
}

}  // namespace mirakuru
