// What a set attached with ServiceSet::attach_running() holds: its connection to the keeper,
// which is its lease (the keeper counts it until it closes — a crash closes it too) and the way
// the keeper's news arrive.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/keeper_connection.hpp"

namespace mirakuru::detail {

class KeeperLease {
 public:
  // `status`: the keeper's answer to the attach request.
  KeeperLease(KeeperConnection connection, const nlohmann::json& status,
              std::filesystem::path config);

  // The keeper's news since the last call, as messages: services that died (also those dead
  // before the attach), the keeper stopping the set and why, or the keeper vanishing. Never
  // blocks. In a forked copy of the attaching process: nothing (the parent reads the lease).
  std::vector<std::string> take_events();

 private:
  std::string keeper_text() const;

  KeeperConnection connection_;
  pid_t owner_;
  long keeper_pid_;
  std::filesystem::path config_;
  std::vector<std::string> pending_;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace mirakuru::detail
