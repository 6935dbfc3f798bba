// The subcommands of the `mirakuru` command. Each returns the process's exit status and prints
// its errors on stderr ("mirakuru SUBCOMMAND: what went wrong; what to do").
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mirakuru::cli {

// Exit statuses shared by the subcommands.
inline constexpr int kExitFailure = 1;      // the set did not start / stop, or a bad state dir
inline constexpr int kExitUsage = 2;        // bad arguments (CLI11's parse errors)
inline constexpr int kExitCannotRun = 126;  // `run`: CMD exists but cannot be executed
inline constexpr int kExitNotFound = 127;   // `run`: CMD does not exist

struct RunArgs {
  std::filesystem::path file;
  std::filesystem::path state_dir;  // empty: the default
  std::vector<std::string> command;
};
int run_command(const RunArgs& args);

struct UpArgs {
  std::filesystem::path file;
  std::filesystem::path state_dir;
  std::optional<std::chrono::milliseconds> linger;  // unset: never
  std::optional<pid_t> watch_pid;                   // unset: the parent of `up`; 0: nothing
};
int up_command(const UpArgs& args);

struct SetArgs {  // down, env
  std::filesystem::path file;
  std::filesystem::path state_dir;
};
int down_command(const SetArgs& args);
int env_command(const SetArgs& args);

struct StatusArgs {
  std::filesystem::path state_dir;
  bool json = false;
};
int status_command(const StatusArgs& args);

// The hidden `__keeper` subcommand `up` re-executes into (keeper.cpp).
struct KeeperArgs {
  std::filesystem::path file;     // canonical
  std::filesystem::path set_dir;  // the set's directory in the state dir
  std::optional<std::chrono::milliseconds> linger;
  int report_fd = -1;  // a socket to `up`: the result, then `up`'s acknowledgement
  int watch_fd = -1;   // a pidfd of the watched process, or -1
  pid_t watch_pid = 0;
};
int keeper_command(const KeeperArgs& args);

// "mirakuru SUBCOMMAND: MESSAGE" on stderr.
void print_error(const std::string& subcommand, const std::string& message);

}  // namespace mirakuru::cli
