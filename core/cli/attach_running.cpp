// ServiceSet::attach_running(): a read-only view of the set a keeper runs, holding a lease.
#include <unistd.h>

#include "cli/keeper_lease.hpp"
#include "cli/state_dir.hpp"
#include "mirakuru/service_set.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru {
namespace detail {

KeeperLease::KeeperLease(KeeperConnection connection, const nlohmann::json& status,
                         std::filesystem::path config)
    : connection_(std::move(connection)),
      owner_(::getpid()),
      keeper_pid_(status.value("keeper_pid", 0L)),
      config_(std::move(config)) {
  for (const auto& death : status.value("deaths", nlohmann::json::array())) {
    pending_.push_back(death.value("message", "a service died") + " (" + keeper_text() + ")");
  }
}

std::string KeeperLease::keeper_text() const {
  return "reported by the keeper of " + config_.string() + ", pid " + std::to_string(keeper_pid_);
}

std::vector<std::string> KeeperLease::take_events() {
  if (::getpid() != owner_ || closed_) return {};
  std::vector<std::string> out = std::move(pending_);
  pending_.clear();
  bool closed = false;
  std::vector<nlohmann::json> events;
  try {
    events = connection_.receive_available(closed);
  } catch (const std::exception& e) {
    out.push_back(std::string("the connection to the keeper broke: ") + e.what());
    closed = true;
  }
  for (const auto& event : events) {
    const std::string kind = event.value("event", "");
    if (kind == "died" || kind == "unhealthy") {
      out.push_back(event.value("message", "a service " + kind) + " (" + keeper_text() + ")");
    } else if (kind == "stopping") {
      stopping_ = true;
      out.push_back("the keeper of " + config_.string() + " (pid " + std::to_string(keeper_pid_) +
                    ") is stopping its services: " + event.value("reason", "no reason given"));
    }
  }
  if (closed) {
    closed_ = true;
    if (!stopping_) {
      out.push_back("the keeper of " + config_.string() + " (pid " + std::to_string(keeper_pid_) +
                    ") ended without stopping its services itself (was it killed?): its "
                    "services are gone");
    }
  }
  return out;
}

}  // namespace detail

ServiceSet ServiceSet::attach_running(const std::filesystem::path& config,
                                      const std::filesystem::path& state_dir) {
  const auto state = detail::open_state_dir(state_dir);
  const auto paths = detail::set_paths(state, config);
  auto reply = detail::ask_keeper(paths.socket, "attach");
  if (!reply) {
    throw ConfigError("", config.string() + ": no keeper runs this set (state directory " +
                              state.string() + "); start one with `mirakuru up " + config.string() +
                              "` (in CTest: mirakuru_add_services)");
  }
  if (detail::config_changed(reply->answer)) {
    throw ConfigError("", config.string() +
                              ": stale keeper: the file changed since `mirakuru up` "
                              "started its keeper (pid " +
                              std::to_string(reply->answer.value("keeper_pid", 0L)) +
                              "); run `mirakuru down " + config.string() + "` and `mirakuru up " +
                              config.string() + "` again");
  }
  ServiceSet set = attach(reply->answer.at("endpoints"));
  set.impl_->keeper =
      std::make_shared<detail::KeeperLease>(std::move(reply->connection), reply->answer, config);
  return set;
}

std::vector<std::string> ServiceSet::take_keeper_events() {
  if (!impl_) throw std::logic_error("use of a moved-from mirakuru::ServiceSet");
  return impl_->keeper ? impl_->keeper->take_events() : std::vector<std::string>{};
}

}  // namespace mirakuru
