// The keeper's life around its loop: start the set (abandoning it when `up` or the watched
// process dies meanwhile), tell `up`, and stop the set at the end.
#include "cli/keeper.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

#include "mirakuru/cleanup.hpp"
#include "process/termination_dirs.hpp"

namespace mirakuru::cli {
namespace {

// While the set starts, the keeper's main thread is inside ServiceSet::start(), which cannot be
// cancelled. If `up` (the report socket hangs up) or the watched process dies meanwhile, nobody
// will ever use the set: the keeper sends itself SIGTERM, and the termination handler stops what
// started, removes the directories and ends the keeper.
class StartWatch {
 public:
  StartWatch(int report_fd, int watch_fd) : done_(::eventfd(0, EFD_CLOEXEC)) {
    thread_ = std::thread([=, this] {
      pollfd fds[3] = {{done_, POLLIN, 0}, {report_fd, POLLRDHUP, 0}, {watch_fd, POLLIN, 0}};
      for (;;) {
        const int n = ::poll(fds, watch_fd >= 0 ? 3 : 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || fds[0].revents != 0) return;
        ::kill(::getpid(), SIGTERM);
        return;
      }
    });
  }
  ~StartWatch() {
    const std::uint64_t one = 1;
    (void)!::write(done_, &one, sizeof one);
    thread_.join();
    ::close(done_);
  }
  StartWatch(const StartWatch&) = delete;
  StartWatch& operator=(const StartWatch&) = delete;

 private:
  int done_;
  std::thread thread_;
};

}  // namespace

Keeper::Keeper(KeeperArgs args) : args_(std::move(args)) {
  paths_ = detail::set_paths(args_.set_dir.parent_path(), args_.file);
}

Keeper::~Keeper() {
  for (auto& w : watched_) ::close(w.pidfd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (args_.watch_fd >= 0) ::close(args_.watch_fd);
}

bool Keeper::start_set(std::string& error) {
  started_at_ = std::chrono::system_clock::now();
  started_ = std::chrono::steady_clock::now();
  try {
    fingerprint_ = detail::file_fingerprint(args_.file).value_or("");
    set_.emplace(ServiceSet::from_file(args_.file));
    StartWatch watch(args_.report_fd, args_.watch_fd);
    set_->start();
    start_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  return true;
}

nlohmann::json Keeper::status() const {
  nlohmann::json services = nlohmann::json::object();
  const auto endpoints = set_->endpoints();
  for (const auto& name : set_->names()) {
    const SimpleExecutor& ex = set_->executor(name);
    nlohmann::json entry = endpoints.at(name);
    entry["pid"] = ex.pid();
    bool dead = false;
    for (const auto& d : deaths_) dead = dead || d.value("service", "") == name;
    entry["healthy"] = !dead;
    services[name] = std::move(entry);
  }
  const auto uptime = std::chrono::steady_clock::now() - started_;
  return {
      {"config", args_.file.string()},
      {"config_fingerprint", fingerprint_},
      {"keeper_pid", ::getpid()},
      {"started_at",
       std::chrono::duration_cast<std::chrono::seconds>(started_at_.time_since_epoch()).count()},
      {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(uptime).count()},
      {"watch_pid", args_.watch_pid},
      {"linger_ms", args_.linger ? nlohmann::json(args_.linger->count()) : nlohmann::json()},
      {"leases", leases()},
      {"attaches", attaches_},  // every attach since `up`, ended ones included
      {"start_ms", start_ms_},  // how long the set took to start
      {"endpoints", endpoints},
      {"services", services},
      {"deaths", deaths_},
  };
}

// Publishes run/ (socket, state.json), tells `up` and waits for its acknowledgement: an `up`
// that died before it learned the endpoints means nobody knows this set runs.
bool Keeper::report_ready() {
  detail::KeeperConnection report(args_.report_fd);
  args_.report_fd = -1;
  try {
    ::mkdir(paths_.run.c_str(), 0700);
    listen_fd_ = detail::listen_on(paths_.socket);
    auto state = status();
    const auto names = set_->names();
    if (!names.empty()) {
      state["scratch"] = set_->tmpdir(names.front()).parent_path().string();
    }
    detail::write_state(paths_, state);
    report.send({{"ok", true}, {"endpoints", state["endpoints"]}, {"keeper_pid", ::getpid()}});
    auto ack = report.receive(std::chrono::seconds(30));
    return ack.has_value();
  } catch (const std::exception& e) {
    exit_reason_ = std::string("cannot publish the set: ") + e.what();
    try {
      report.send({{"ok", false}, {"error", exit_reason_}});
    } catch (const std::exception&) {
      // `up` is gone: nobody to tell.
    }
    return false;
  }
}

int Keeper::stop_set(const std::string& reason) {
  // New attachers find no keeper from here on.
  ::unlink(paths_.socket.c_str());
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  broadcast({{"event", "stopping"}, {"reason", reason}});
  std::string error;
  try {
    set_->stop();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (down_client_) {
    try {
      down_client_->connection.send(error.empty()
                                        ? nlohmann::json{{"ok", true}}
                                        : nlohmann::json{{"ok", false}, {"error", error}});
    } catch (const std::exception&) {
      // `down` is gone; it would only have printed this.
    }
  }
  clients_.clear();
  set_.reset();
  std::error_code ec;
  std::filesystem::remove_all(paths_.run, ec);
  if (!error.empty()) std::fprintf(stderr, "mirakuru keeper: stopping failed: %s\n", error.c_str());
  return error.empty() ? 0 : kExitFailure;
}

int keeper_command(const KeeperArgs& args) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  install_termination_handler();
  Keeper keeper(args);
  return keeper.run();
}

int Keeper::run() {
  // SIGTERM (from anyone, or from StartWatch) ends the keeper through the termination handler,
  // which removes registered directories: run/ too, so the set is not left looking alive.
  detail::CleanupRegistration run_cleanup(paths_.run);
  std::string error;
  if (!start_set(error)) {
    detail::KeeperConnection report(args_.report_fd);
    args_.report_fd = -1;
    try {
      report.send({{"ok", false}, {"error", error}});
    } catch (const std::exception&) {
      // `up` is gone.
    }
    return kExitFailure;  // start() stopped what had started
  }
  if (!report_ready()) {
    stop_set(exit_reason_.empty() ? "`mirakuru up` went away before it received the endpoints"
                                  : exit_reason_);
    return kExitFailure;
  }
  serve();
  return stop_set(exit_reason_);
}

}  // namespace mirakuru::cli
