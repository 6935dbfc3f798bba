// `mirakuru status`: every set of the state directory, asked of its keeper; a keeper that died
// is cleaned up on the way.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/keeper_connection.hpp"
#include "cli/state_dir.hpp"

namespace mirakuru::cli {
namespace {

std::string uptime_text(long long ms) {
  long long s = ms / 1000;
  char out[32];
  if (s >= 3600) {
    std::snprintf(out, sizeof out, "%lldh%02lldm", s / 3600, s / 60 % 60);
  } else if (s >= 60) {
    std::snprintf(out, sizeof out, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(out, sizeof out, "%lld.%llds", s, ms % 1000 / 100);
  }
  return out;
}

// One set's entry: its keeper's status (with "stale" when the config changed), a cleaned-up
// dead keeper, or nothing (not running, or an `up` still starting it).
nlohmann::json set_status(const std::filesystem::path& dir) {
  const auto paths = detail::set_dir_paths(dir);
  if (auto reply = detail::ask_keeper(paths.socket, "status")) {
    reply->answer["stale"] = detail::config_changed(reply->answer);
    return reply->answer;
  }
  if (!std::filesystem::exists(paths.run)) return nullptr;
  auto lock = detail::FileLock::try_lock(paths.lock);
  if (!lock) return nullptr;  // an `up` or `down` is at work on it
  if (detail::KeeperConnection::connect(paths.socket)) return nullptr;  // it just came up
  auto state = detail::read_state(paths);
  detail::remove_keeper_leftovers(paths);
  return {{"config", state.is_object() ? state.value("config", "?") : "?"},
          {"keeper_pid", state.is_object() ? state.value("keeper_pid", 0) : 0},
          {"dead", true}};
}

void print_table(const nlohmann::json& sets) {
  if (sets.empty()) {
    std::cout << "no running sets\n";
    return;
  }
  for (const auto& s : sets) {
    if (s.value("dead", false)) {
      std::cout << s["config"].get<std::string>() << ": its keeper (pid " << s["keeper_pid"]
                << ") had died; its state was cleaned up\n";
      continue;
    }
    std::cout << s["config"].get<std::string>()
              << (s["stale"].get<bool>() ? "  [STALE: the "
                                           "file changed since "
                                           "`up`]"
                                         : "")
              << "\n  keeper pid " << s["keeper_pid"] << ", up " << uptime_text(s["uptime_ms"])
              << ", " << s["leases"] << " attached\n";
    for (const auto& [name, svc] : s["services"].items()) {
      std::ostringstream line;
      line << "  " << name << ": pid " << svc["pid"];
      if (svc["port"].is_number()) line << ", port " << svc["port"];
      for (const auto& [pname, port] : svc["ports"].items()) line << ", " << pname << " " << port;
      if (!svc.value("url", "").empty()) line << ", " << svc["url"].get<std::string>();
      if (svc["healthy"].get<bool>()) {
        line << ", healthy";
      } else if (svc.contains("health") && !svc.value("dead", true)) {
        line << ", UNHEALTHY (last check: " << svc["health"].value("last_result", std::string("?"))
             << ")";
      } else {
        line << ", DEAD";
      }
      std::cout << line.str() << "\n";
    }
  }
}

}  // namespace

int status_command(const StatusArgs& args) {
  const auto state = detail::open_state_dir(args.state_dir);
  nlohmann::json sets = nlohmann::json::array();
  for (const auto& entry : std::filesystem::directory_iterator(state)) {
    if (entry.path().filename().string().rfind("set-", 0) != 0) continue;
    auto s = set_status(entry.path());
    if (!s.is_null()) sets.push_back(std::move(s));
  }
  if (args.json) {
    std::cout << nlohmann::json{{"state_dir", state.string()}, {"sets", sets}}.dump(2) << "\n";
  } else {
    print_table(sets);
  }
  return 0;
}

}  // namespace mirakuru::cli
