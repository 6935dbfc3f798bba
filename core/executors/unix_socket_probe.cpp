// Ready when a unix stream socket accepts connect().
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "mirakuru/probe.hpp"
#include "executors/messages.hpp"

namespace mirakuru {

namespace {

class UnixSocketProbe final : public Probe {
 public:
  explicit UnixSocketProbe(std::filesystem::path path) : path_(std::move(path)) {
    const std::string& text = path_.native();
    if (text.empty()) throw std::invalid_argument("mirakuru unix socket probe: empty path");
    if (text.size() >= sizeof(sockaddr_un::sun_path)) {
      throw std::invalid_argument(
          "mirakuru unix socket probe: the path \"" + text + "\" is " +
          std::to_string(text.size()) + " bytes long; the kernel accepts at most " +
          std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
          ". Put the socket in a shorter directory (e.g. mkdtemp under /tmp).");
    }
  }

  bool occupied() override { return check().is_ready(); }

  ProbeResult check() override {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.native().size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return ProbeResult::not_yet("socket(): " + detail::errno_text(errno));
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    int err = rc == 0 ? 0 : errno;
    ::close(fd);
    // EAGAIN: the listener's backlog is full — it is there. EPROTOTYPE: something listens, on
    // a datagram or seqpacket socket.
    if (err == 0 || err == EAGAIN || err == EPROTOTYPE) return ProbeResult::ready();
    if (err == ENOENT) return ProbeResult::not_yet(path_.string() + " does not exist yet");
    if (err == ECONNREFUSED) {
      return ProbeResult::not_yet(path_.string() + ": connection refused (nobody listens yet)");
    }
    return ProbeResult::not_yet(path_.string() + ": " + detail::errno_text(err));
  }

  bool waits_for_listen() const override { return true; }

  std::string describe() const override { return "unix socket " + path_.string(); }

  // A refused connect never reaches the service's code: ask as often as the Executor allows.
  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    return std::chrono::steady_clock::time_point::min();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::unique_ptr<Probe> make_unix_socket_probe(std::filesystem::path socket) {
  return std::make_unique<UnixSocketProbe>(std::move(socket));
}

}  // namespace mirakuru
