// What the runner prepares before forking: everything the guardian and the service child need,
// so that after fork they only read it (no allocation between fork and exec).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "process/spawn_stage.hpp"

namespace mirakuru::detail {

enum class StdioMode { Pipe, Inherit, Null };

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH (below) unless it has a '/'
  std::vector<std::string> env;   // "NAME=value", the child's whole environment
  std::string path;               // the child's PATH, for the lookup
  std::string cwd;                // empty: inherit
  StdioMode out = StdioMode::Pipe;
  StdioMode err = StdioMode::Pipe;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  int stop_signal = 15;
  int kill_signal = 9;
  std::chrono::milliseconds orphan_grace{500};  // grace used when the runner disappears
  bool listen_events = false;  // report the tree's listen() calls (listen_events.hpp)
};

struct SpawnFailure {
  int error = 0;                         // errno
  SpawnStage stage = SpawnStage::kExec;  // stage_name() gives "chdir", "execve", ...
};

}  // namespace mirakuru::detail
