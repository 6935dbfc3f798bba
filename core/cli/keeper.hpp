// The keeper: a detached process that holds one service set for other processes.
//
// `mirakuru up` forks twice (the keeper is in a session of its own and not its child) and execs
// `mirakuru __keeper`. The keeper starts the set, then serves its socket (keeper_connection.hpp)
// until `down` asks, the watched process exits, or --linger passes without a lease; then it
// stops the set and removes its run/ directory.
//
// Nothing outlives it: every service runs under its own guardian, which kills the service's
// tree when the keeper dies (SIGKILL included); the termination handler stops the set
// gracefully on SIGTERM/SIGINT, and on the death of `up` or of the watched process while the
// set starts (the keeper signals itself).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/keeper_connection.hpp"
#include "cli/state_dir.hpp"
#include "mirakuru/service_set.hpp"

namespace mirakuru::cli {

class Keeper {
 public:
  explicit Keeper(KeeperArgs args);
  ~Keeper();
  Keeper(const Keeper&) = delete;
  Keeper& operator=(const Keeper&) = delete;

  // Starts the set, reports to `up`, serves, stops. Returns the keeper's exit status.
  int run();

 private:
  struct Client {
    detail::KeeperConnection connection;
    bool lease = false;
    bool down = false;  // it asked the keeper to stop: answered when the set is stopped
  };
  struct Watched {
    std::string service;
    pid_t pid;
    int pidfd;
  };

  // keeper.cpp: the life around the loop.
  bool start_set(std::string& error);
  bool report_ready();
  int stop_set(const std::string& reason);
  nlohmann::json status() const;
  // keeper_loop.cpp: the loop and what wakes it.
  void serve();
  void accept_clients();
  bool handle(Client& client);  // false: drop the client
  void watch_services();
  void service_exited(std::size_t index);
  // Tells the attached processes about each service that turned unhealthy since the last call.
  void report_health();
  void broadcast(const nlohmann::json& event);
  std::size_t leases() const;

  KeeperArgs args_;
  detail::SetPaths paths_;
  std::optional<ServiceSet> set_;
  std::string fingerprint_;
  std::chrono::system_clock::time_point started_at_;
  std::chrono::steady_clock::time_point started_;
  int listen_fd_ = -1;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Watched> watched_;
  nlohmann::json deaths_ = nlohmann::json::array();
  std::map<std::string, std::size_t> unhealthy_reported_;  // ServiceHealth::turned_unhealthy
  double start_ms_ = 0;
  std::size_t attaches_ = 0;
  std::string exit_reason_;
  std::unique_ptr<Client> down_client_;  // answered once the set is stopped
};

}  // namespace mirakuru::cli
