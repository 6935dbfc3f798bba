// Just enough of the Redis protocol (RESP) for the sample's ./server and ./migrate: send one
// command, read one reply. Blocking, one connection per command, 2 s timeouts.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

namespace sample {

// The reply of one command: "+OK" / ":42" / "$..." as its value, "-ERR ..." as an error.
struct Reply {
  bool ok = false;    // connected and got a non-error reply
  std::string value;  // simple string, integer or bulk string; the message for an error
  bool nil = false;   // a nil bulk string ($-1)
};

inline Reply redis_command(int port, const std::vector<std::string>& args) {
  Reply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  const timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    reply.value = "cannot connect to redis on 127.0.0.1:" + std::to_string(port);
    return reply;
  }
  std::string request = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) request += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    reply.value = "cannot send to redis";
    return reply;
  }
  // Read until one complete reply is in: a line, plus the bulk payload when there is one.
  std::string in;
  char buf[4096];
  for (;;) {
    const auto eol = in.find("\r\n");
    if (eol != std::string::npos) {
      const char kind = in[0];
      const std::string line = in.substr(1, eol - 1);
      if (kind != '$') {
        reply.ok = kind != '-';
        reply.value = line;
        break;
      }
      const long len = std::stol(line);
      if (len < 0) {
        reply.ok = reply.nil = true;
        break;
      }
      if (in.size() >= eol + 2 + static_cast<std::size_t>(len) + 2) {
        reply.ok = true;
        reply.value = in.substr(eol + 2, static_cast<std::size_t>(len));
        break;
      }
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      reply.value = "redis closed the connection";
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

// The value of `--NAME VALUE` in argv, or nullopt.
inline std::optional<std::string> flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return std::string(argv[i + 1]);
  }
  return std::nullopt;
}

}  // namespace sample
