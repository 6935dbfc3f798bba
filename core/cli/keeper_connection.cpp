#include "cli/keeper_connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

// A socket path, made short enough for sockaddr_un: a long one is reached through a descriptor
// of its directory (/proc/self/fd/N/NAME resolves like the full path, for bind and connect).
class SocketAddress {
 public:
  explicit SocketAddress(const std::filesystem::path& socket) {
    std::string path = socket.string();
    if (path.size() >= sizeof addr_.sun_path) {
      dir_fd_ = ::open(socket.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      missing_ = dir_fd_ < 0 && (errno == ENOENT || errno == ENOTDIR);
      if (dir_fd_ < 0 && !missing_) {
        throw std::system_error(errno, std::generic_category(),
                                "open " + socket.parent_path().string());
      }
      path = "/proc/self/fd/" + std::to_string(dir_fd_) + "/" + socket.filename().string();
    }
    if (path.size() >= sizeof addr_.sun_path) {
      throw ConfigError("", "the keeper's socket name " + socket.filename().string() +
                                " is too long for a unix socket");
    }
    addr_.sun_family = AF_UNIX;
    std::memcpy(addr_.sun_path, path.c_str(), path.size() + 1);
  }
  ~SocketAddress() {
    if (dir_fd_ >= 0) ::close(dir_fd_);
  }
  SocketAddress(const SocketAddress&) = delete;
  SocketAddress& operator=(const SocketAddress&) = delete;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&addr_); }
  socklen_t size() const { return sizeof addr_; }
  // The directory of a long path does not exist: nobody can listen there.
  bool missing() const { return missing_; }

 private:
  sockaddr_un addr_{};
  int dir_fd_ = -1;
  bool missing_ = false;
};

}  // namespace

KeeperConnection::~KeeperConnection() {
  if (fd_ >= 0) ::close(fd_);
}

KeeperConnection::KeeperConnection(KeeperConnection&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

KeeperConnection& KeeperConnection::operator=(KeeperConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    buffer_ = std::move(other.buffer_);
    other.fd_ = -1;
  }
  return *this;
}

std::optional<KeeperConnection> KeeperConnection::connect(const std::filesystem::path& socket) {
  const SocketAddress addr(socket);
  if (addr.missing()) return std::nullopt;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  KeeperConnection connection(fd);
  while (::connect(fd, addr.get(), addr.size()) < 0) {
    if (errno == EINTR) continue;
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "connect " + socket.string());
  }
  return connection;
}

void KeeperConnection::send(const nlohmann::json& message) {
  const std::string line = message.dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the keeper closed the connection");
    sent += static_cast<std::size_t>(n);
  }
}

bool KeeperConnection::fill(int wait_ms) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, wait_ms);
  if (ready <= 0) return true;  // nothing yet (or EINTR): not the end
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) {
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

std::optional<nlohmann::json> KeeperConnection::next_message() {
  const auto end = buffer_.find('\n');
  if (end == std::string::npos) return std::nullopt;
  auto message = nlohmann::json::parse(buffer_.substr(0, end), nullptr, false);
  buffer_.erase(0, end + 1);
  if (message.is_discarded()) throw std::runtime_error("malformed message from the keeper");
  return message;
}

std::vector<nlohmann::json> KeeperConnection::take_messages() {
  std::vector<nlohmann::json> out;
  while (auto message = next_message()) out.push_back(std::move(*message));
  return out;
}

std::optional<nlohmann::json> KeeperConnection::receive(
    std::optional<std::chrono::milliseconds> timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::hours(1));
  for (;;) {
    if (auto message = next_message()) return message;
    int wait_ms = -1;
    if (timeout) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("the keeper did not answer in time");
      wait_ms = static_cast<int>(left.count()) + 1;
    }
    if (!fill(wait_ms)) return std::nullopt;
  }
}

std::vector<nlohmann::json> KeeperConnection::receive_available(bool& closed) {
  for (;;) {
    const std::size_t before = buffer_.size();
    if (!fill(0)) {
      closed = true;
      break;
    }
    if (buffer_.size() == before) break;
  }
  return take_messages();
}

pid_t KeeperConnection::peer_pid() const {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -1;
  return cred.pid;
}

std::optional<KeeperReply> ask_keeper(const std::filesystem::path& socket, const std::string& op,
                                      std::chrono::milliseconds timeout) {
  auto connection = KeeperConnection::connect(socket);
  if (!connection) return std::nullopt;
  try {
    connection->send({{"op", op}});
  } catch (const std::runtime_error&) {
    return std::nullopt;  // it went away between connect and send: it is ending
  }
  auto answer = connection->receive(timeout);
  if (!answer) return std::nullopt;
  return KeeperReply{std::move(*connection), std::move(*answer)};
}

int listen_on(const std::filesystem::path& socket) {
  const SocketAddress addr(socket);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  if (::bind(fd, addr.get(), addr.size()) < 0 || ::listen(fd, 128) < 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "listen on " + socket.string());
  }
  return fd;
}

}  // namespace mirakuru::detail
