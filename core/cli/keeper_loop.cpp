// The keeper's loop: one poll over its socket, its clients, the watched process, the services'
// pidfds and the linger deadline. Single-threaded: nothing here needs a lock.
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "cli/keeper.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"

namespace mirakuru::cli {
namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

std::size_t Keeper::leases() const {
  return static_cast<std::size_t>(
      std::count_if(clients_.begin(), clients_.end(), [](const auto& c) { return c->lease; }));
}

void Keeper::broadcast(const nlohmann::json& event) {
  for (auto& c : clients_) {
    if (!c->lease) continue;
    try {
      c->connection.send(event);
    } catch (const std::exception&) {
      // That client is gone; the loop drops it at its end of stream.
    }
  }
}

// A pidfd for every service process running now; a process that exited 0 during start() had
// daemonized (pg_ctl start): its launcher's end is no death.
void Keeper::watch_services() {
  for (const auto& name : set_->names()) {
    const SimpleExecutor& ex = set_->executor(name);
    if (ex.pid() <= 0 || !ex.running()) continue;
    const int fd = pidfd_open(ex.pid());
    watched_.push_back({name, ex.pid(), fd});
    if (fd < 0) service_exited(watched_.size() - 1);  // already gone (ESRCH)
  }
}

void Keeper::service_exited(std::size_t index) {
  Watched w = watched_[index];
  watched_.erase(watched_.begin() + static_cast<std::ptrdiff_t>(index));
  if (w.pidfd >= 0) ::close(w.pidfd);
  // The pidfd fires when the process ends; the executor learns it from its guardian a moment
  // later.
  auto rc = set_->executor(w.service).wait(std::chrono::milliseconds(500));
  std::string message = "service '" + w.service + "' (pid " + std::to_string(w.pid) + ") " +
                        (rc ? describe_returncode(*rc) : std::string("is no longer running"));
  try {
    message += "; its log: " + set_->log_file(w.service).string();
  } catch (const std::exception&) {
    // No log file.
  }
  nlohmann::json event = {{"event", "died"}, {"service", w.service}, {"message", message}};
  deaths_.push_back({{"service", w.service}, {"message", message}});
  broadcast(event);
  // Logged once every attached process has been told (a test can wait for this line).
  std::fprintf(stderr, "mirakuru keeper: %s\n", message.c_str());
  std::fflush(stderr);
}

void Keeper::report_health() {
  for (const auto& name : set_->names()) {
    const ServiceHealth health = set_->health(name);
    std::size_t& reported = unhealthy_reported_[name];
    if (!health.checked || health.turned_unhealthy <= reported) continue;
    reported = health.turned_unhealthy;  // each time it turned unhealthy is told once
    const SimpleExecutor& ex = std::as_const(*set_).executor(name);
    if (!ex.running()) continue;  // its death is what service_exited() tells
    std::string message =
        "service '" + name + "' (pid " + std::to_string(ex.pid()) + ") became unhealthy: ";
    message += describe_health_change(health);
    try {
      message += "; its log: " + set_->log_file(name).string();
    } catch (const std::exception&) {
      // No log file.
    }
    broadcast({{"event", "unhealthy"}, {"service", name}, {"message", message}});
    std::fprintf(stderr, "mirakuru keeper: %s\n", message.c_str());
    std::fflush(stderr);
  }
}

void Keeper::accept_clients() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all taken
    clients_.push_back(std::make_unique<Client>(Client{detail::KeeperConnection(fd)}));
  }
}

bool Keeper::handle(Client& client) {
  if (!client.connection.fill(0)) return false;  // end of stream: a lease ends here
  for (const auto& request : client.connection.take_messages()) {
    const std::string op = request.value("op", "");
    if (op == "status" || op == "attach") {
      if (op == "attach" && !client.lease) ++attaches_;
      client.lease = client.lease || op == "attach";
      client.connection.send(status());
    } else if (op == "down") {
      const pid_t by = client.connection.peer_pid();
      exit_reason_ = "`mirakuru down` (pid " + std::to_string(by) + ") stopped the services";
      client.down = true;
      return true;
    } else {
      client.connection.send({{"error", "unknown request '" + op + "'"}});
    }
  }
  return true;
}

void Keeper::serve() {
  watch_services();
  auto idle_since = std::chrono::steady_clock::now();
  // The set's own thread runs the "health" checks; the loop looks at their outcome this often.
  const auto names = set_->names();
  const bool any_health = std::any_of(
      names.begin(), names.end(), [this](const std::string& n) { return set_->health(n).checked; });
  constexpr int kHealthLookMs = 50;
  while (exit_reason_.empty()) {
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    fds.push_back({args_.watch_fd, POLLIN, 0});  // -1 is ignored by poll
    for (const auto& w : watched_) fds.push_back({w.pidfd, POLLIN, 0});
    for (const auto& c : clients_) fds.push_back({c->connection.fd(), POLLIN, 0});
    int timeout = -1;
    if (args_.linger && leases() == 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          idle_since + *args_.linger - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        exit_reason_ = "no process attached for the --linger time";
        break;
      }
      timeout = static_cast<int>(left.count()) + 1;
    }
    if (any_health && (timeout < 0 || timeout > kHealthLookMs)) timeout = kHealthLookMs;
    if (::poll(fds.data(), fds.size(), timeout) < 0) continue;  // EINTR
    const std::size_t leases_before = leases();
    if (fds[1].revents != 0) {
      exit_reason_ = "the watched process (pid " + std::to_string(args_.watch_pid) + ") exited";
      break;
    }
    // Clients first (their slots follow the pidfds), then deaths, then new connections: the
    // indexes into fds stay valid while clients_ and watched_ change.
    const std::size_t first_client = 2 + watched_.size();
    // Answers first (status() counts the leases of every client), then the sorting out.
    std::vector<bool> keep(clients_.size(), true);
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (fds[first_client + i].revents == 0) continue;
      try {
        keep[i] = handle(*clients_[i]);
      } catch (const std::exception&) {
        keep[i] = false;  // a client that broke the protocol or vanished mid-answer
      }
    }
    std::vector<std::unique_ptr<Client>> kept;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i]->down) {
        down_client_ = std::move(clients_[i]);
      } else if (keep[i]) {
        kept.push_back(std::move(clients_[i]));
      }
    }
    clients_ = std::move(kept);
    for (std::size_t i = watched_.size(); i-- > 0;) {
      if (fds[2 + i].revents != 0) service_exited(i);
    }
    if (any_health) report_health();
    if (fds[0].revents != 0) accept_clients();
    if (leases() == 0 && leases_before != 0) idle_since = std::chrono::steady_clock::now();
  }
}

}  // namespace mirakuru::cli
