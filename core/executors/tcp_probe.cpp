// Ready when host:port accepts a TCP connection.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "executors/tcp_connect.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

namespace {

// Long enough for a remote host on a slow network, short enough that a blackholed address
// does not stall the wait for the next one.
constexpr std::chrono::milliseconds kPerAddress{250};

class TcpProbe final : public Probe {
 public:
  TcpProbe(std::string host, int port) : host_(std::move(host)), port_(port) {
    if (port_ < 1 || port_ > 65535) {
      throw std::invalid_argument("mirakuru TCP probe: port " + std::to_string(port_) +
                                  " for host \"" + host_ + "\" is outside 1..65535");
    }
  }

  bool occupied() override {
    return probe(std::chrono::steady_clock::now() + kPerAddress).is_ready();
  }

  // Names are resolved again for every run: a test may point them elsewhere between runs.
  void reset() override {
    endpoints_.clear();
    listening_.clear();
  }

  // A socket the runner itself made listen on our endpoint accepts connections: the check after
  // it answers without connecting (which would cost the wait a connect and the service an
  // accept). Connects take over for everything else.
  ProbeResult check() override {
    if (!listening_.empty()) {
      const auto sockets = std::exchange(listening_, {});
      const auto* endpoint =
          resolved(deadline()) ? detail::served_by(endpoints_, sockets) : nullptr;
      if (endpoint != nullptr) {
        return ProbeResult::ready(endpoint->text + " accepts connections (its listen() was seen)");
      }
    }
    return probe(deadline());
  }

  void on_listening(const ListeningSocket& socket) override { listening_.push_back(socket); }

  // A refused connect never reaches the service's code: ask as often as the Executor allows.
  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    return std::chrono::steady_clock::time_point::min();
  }

  bool waits_for_listen() const override { return true; }

  std::string describe() const override { return "TCP " + detail::host_port(host_, port_); }

 private:
  // Resolves the endpoints once per run; false (and `error_` says why) while it cannot.
  bool resolved(std::chrono::steady_clock::time_point deadline) {
    if (!endpoints_.empty()) return true;
    return detail::resolve_tcp(host_, port_, endpoints_, error_, deadline);
  }

  ProbeResult probe(std::chrono::steady_clock::time_point deadline) {
    if (!resolved(deadline)) return ProbeResult::not_yet(error_);
    return detail::connect_any(endpoints_, deadline, kPerAddress);
  }

  std::string host_;
  int port_;
  std::vector<detail::Endpoint> endpoints_;
  std::string error_;                       // why the name could not be resolved
  std::vector<ListeningSocket> listening_;  // told since the last check
};

}  // namespace

std::unique_ptr<Probe> make_tcp_probe(std::string host, int port) {
  return std::make_unique<TcpProbe>(std::move(host), port);
}

}  // namespace mirakuru
