// `mirakuru down FILE` and `mirakuru env FILE`: requests to one set's keeper.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/endpoint_env.hpp"
#include "cli/keeper_connection.hpp"
#include "cli/state_dir.hpp"
#include "mirakuru/command.hpp"

namespace mirakuru::cli {
namespace {

// Waits (bounded) until the process behind `pidfd` has ended.
bool wait_gone(int pidfd, std::chrono::milliseconds limit) {
  if (pidfd < 0) return true;  // it was gone already
  pollfd p{pidfd, POLLIN, 0};
  const bool gone = ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
  ::close(pidfd);
  return gone;
}

std::string not_running(const std::filesystem::path& file, const std::filesystem::path& state) {
  return "no keeper runs " + file.string() + " (state directory " + state.string() + ")";
}

}  // namespace

int down_command(const SetArgs& args) {
  const auto state = detail::open_state_dir(args.state_dir);
  const auto paths = detail::set_paths(state, args.file);
  if (!std::filesystem::exists(paths.dir)) {
    std::cout << "mirakuru down: " << not_running(args.file, state) << "; nothing to stop\n";
    return 0;
  }
  detail::FileLock lock(paths.lock);
  auto connection = detail::KeeperConnection::connect(paths.socket);
  if (!connection) {
    const bool stale = std::filesystem::exists(paths.run);
    detail::remove_keeper_leftovers(paths);
    std::cout << "mirakuru down: " << not_running(args.file, state)
              << (stale ? "; cleaned up the state of a keeper that had died\n"
                        : "; nothing to stop\n");
    return 0;
  }
  const pid_t keeper = connection->peer_pid();
  // Opened while we are connected: the keeper is alive, so the pid is surely its own.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, keeper, 0));
  connection->send({{"op", "down"}});
  std::optional<nlohmann::json> answer;
  try {
    answer = connection->receive();
  } catch (const std::exception&) {
    // Reported below as an answer that never came.
  }
  const bool gone = wait_gone(pidfd, std::chrono::seconds(30));
  detail::remove_keeper_leftovers(paths);
  if (!answer) {
    print_error("down", "the keeper (pid " + std::to_string(keeper) +
                            ") ended without confirming the stop; its services' guardians "
                            "stopped them (see " +
                            paths.keeper_log.string() + ")");
    return kExitFailure;
  }
  if (!answer->value("ok", false)) {
    print_error("down", answer->value("error", "stopping failed"));
    return kExitFailure;
  }
  if (!gone) {
    print_error("down", "the keeper (pid " + std::to_string(keeper) +
                            ") stopped its services but did not exit within 30 s");
    return kExitFailure;
  }
  std::cout << "mirakuru down: stopped " << args.file.string() << " (keeper pid " << keeper
            << ")\n";
  return 0;
}

int env_command(const SetArgs& args) {
  const auto state = detail::open_state_dir(args.state_dir);
  const auto paths = detail::set_paths(state, args.file);
  auto reply = detail::ask_keeper(paths.socket, "status");
  if (!reply) {
    print_error("env", not_running(args.file, state) + ": start it with `mirakuru up " +
                           args.file.string() + "`");
    return kExitFailure;
  }
  for (const auto& [name, value] : endpoint_environment(reply->answer.at("endpoints"))) {
    std::cout << "export " << name << "=" << shell_quote(value) << "\n";
  }
  return 0;
}

}  // namespace mirakuru::cli
