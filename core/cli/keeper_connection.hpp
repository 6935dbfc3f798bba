// One connection to a keeper's unix socket: newline-delimited JSON messages both ways.
//
// Requests (client -> keeper): {"op": "status"} answered by the keeper's status; {"op":
// "attach"} answered the same, after which the connection is a lease the keeper counts until
// it closes, and receives events: {"event": "died", "service", "message"} and {"event":
// "stopping", "reason"}; {"op": "down"} answered, once every service is stopped, by {"ok": true}
// or {"ok": false, "error"}.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mirakuru::detail {

// Owns a connected stream socket (CLOEXEC). Move-only.
class KeeperConnection {
 public:
  explicit KeeperConnection(int fd) : fd_(fd) {}
  ~KeeperConnection();
  KeeperConnection(KeeperConnection&& other) noexcept;
  KeeperConnection& operator=(KeeperConnection&& other) noexcept;
  KeeperConnection(const KeeperConnection&) = delete;
  KeeperConnection& operator=(const KeeperConnection&) = delete;

  // Connects to `socket` (any length: a long path is reached through its directory's
  // descriptor); nullopt when no keeper listens there (no file, or refused).
  static std::optional<KeeperConnection> connect(const std::filesystem::path& socket);

  // Sends one message. Throws std::runtime_error when the peer is gone.
  void send(const nlohmann::json& message);
  // The next message, waiting at most `timeout` (unset: forever). nullopt on end of stream.
  // Throws std::runtime_error on timeout or a malformed message.
  std::optional<nlohmann::json> receive(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Every complete message available now, without blocking; `closed` becomes true at end of
  // stream.
  std::vector<nlohmann::json> receive_available(bool& closed);

  // The process at the other end (SO_PEERCRED), -1 when unknown.
  pid_t peer_pid() const;
  int fd() const { return fd_; }
  // Reads what is available into the buffer; false at end of stream. Does not block when
  // `wait_ms` is 0.
  bool fill(int wait_ms);
  // The complete messages in the buffer (throw std::runtime_error when malformed).
  std::vector<nlohmann::json> take_messages();
  std::optional<nlohmann::json> next_message();

 private:
  int fd_ = -1;
  std::string buffer_;
};

// Connects to the keeper listening on `socket`, sends {"op": op} and returns the connection
// with the keeper's answer; nullopt when no keeper listens there. Throws std::runtime_error when
// the keeper does not answer within `timeout`.
struct KeeperReply {
  KeeperConnection connection;
  nlohmann::json answer;
};
std::optional<KeeperReply> ask_keeper(const std::filesystem::path& socket, const std::string& op,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Creates, binds and listens on `socket` (CLOEXEC, non-blocking; any length). Throws
// std::system_error.
int listen_on(const std::filesystem::path& socket);

}  // namespace mirakuru::detail
