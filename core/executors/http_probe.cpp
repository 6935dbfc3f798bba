// Ready when an HTTP endpoint answers with an expected status (cpp-httplib client).
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "executors/backoff.hpp"
#include "executors/line_regex.hpp"
#include "executors/messages.hpp"
#include "executors/tcp_connect.hpp"
#include "executors/url.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru {

namespace {

// A service that accepts but takes long to answer is still starting; the deadline bounds the
// wait for the answer. Connecting, on the other hand, either works at once or will not.
constexpr std::chrono::milliseconds kConnectBound{1000};
constexpr std::chrono::milliseconds kOccupiedBound{250};
// cpp-httplib turns timeouts into int milliseconds: keep "no deadline" far from overflowing.
constexpr std::chrono::milliseconds kMaxAnswerWait{std::chrono::minutes(10)};

bool has_header(const std::map<std::string, std::string>& headers, const std::string& name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& kv) {
    return kv.first.size() == name.size() &&
           std::equal(name.begin(), name.end(), kv.first.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

// CR, LF or NUL in a method or header would end the line early and let the rest be read as
// another header or request.
void refuse_control_characters(const std::string& text, const std::string& what,
                               const std::string& url) {
  const auto bad = text.find_first_of(std::string("\r\n\0", 3));
  if (bad == std::string::npos) return;
  throw std::invalid_argument("mirakuru HTTP probe for " + url + ": the " + what + " contains a " +
                              (text[bad] == '\r'   ? "CR"
                               : text[bad] == '\n' ? "LF"
                                                   : "NUL") +
                              " character at offset " + std::to_string(bad) +
                              ", which would split the request");
}

template <typename Setter>
void set_timeout(Setter set, std::chrono::milliseconds d) {
  auto us =
      std::max<long long>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), 1000);
  set(static_cast<time_t>(us / 1'000'000), static_cast<time_t>(us % 1'000'000));
}

class HttpProbe final : public Probe {
 public:
  HttpProbe(std::string url, HttpCheck check)
      : url_(std::move(url)),
        parsed_(detail::parse_http_url(url_)),
        check_(std::move(check)),
        status_(check_.status, "HTTP status") {
    if (check_.method.empty()) throw std::invalid_argument("mirakuru HTTP probe: empty method");
    refuse_control_characters(check_.method, "method", url_);
    for (const auto& [name, value] : check_.headers) {
      if (name.empty()) throw std::invalid_argument("mirakuru HTTP probe: empty header name");
      refuse_control_characters(name, "name of a header", url_);
      refuse_control_characters(value, "value of header \"" + name + "\"", url_);
    }
  }

  bool occupied() override {
    return tcp(std::chrono::steady_clock::now() + kOccupiedBound).is_ready();
  }

  void reset() override {
    endpoints_.clear();
    last_answer_.clear();
    said_.clear();
    via_.clear();
    listening_.clear();
    pacer_.reset();
  }

  // Until an address accepted: a socket the runner made listen on one of ours (listen events)
  // is as good as a connect that succeeded, and saves it — the first request is the service's
  // first connection.
  void on_listening(const ListeningSocket& socket) override {
    if (via_.empty()) listening_.push_back(socket);
  }

  ProbeResult check() override {
    // Requests reach the application (and its log): paced, however often output wakes the wait.
    // Until the port accepts, only (free) connects are made.
    if (!via_.empty() && !pacer_.due(std::chrono::steady_clock::now())) {
      return ProbeResult::not_yet(said_);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline() - std::chrono::steady_clock::now());
    left = std::clamp(left, std::chrono::milliseconds(1), kMaxAnswerWait);
    auto& client = this->client();
    set_timeout([&](time_t s, time_t us) { client.set_connection_timeout(s, us); },
                std::min(left, kConnectBound));
    set_timeout([&](time_t s, time_t us) { client.set_read_timeout(s, us); }, left);
    set_timeout([&](time_t s, time_t us) { client.set_write_timeout(s, us); }, left);

    // Reach the server first, through the bounded name lookup: cpp-httplib's own getaddrinfo has
    // no time bound, and while the server is not up yet one refused connect says why. Once an
    // address accepts, cpp-httplib connects straight to it, and later checks go straight to the
    // request (the server sees one empty connection per start, not one per check).
    if (via_.empty()) {
      const detail::Endpoint* accepted = listening();
      if (accepted == nullptr) {
        auto reach = tcp(deadline(), &accepted);
        if (!reach.is_ready()) return ProbeResult::not_yet(reach.detail);
      }
      via_ = detail::address_text(*accepted);
      client.set_hostname_addr_map({{parsed_.host, via_}});
      if (!pacer_.due(std::chrono::steady_clock::now())) {
        said_ = last_answer_.empty() ? "the port accepts connections" : last_answer_;
        return ProbeResult::not_yet(said_);
      }
    }
    auto result = ask(client, left);
    said_ = result.detail;
    return result;
  }

  bool waits_for_listen() const override { return true; }

  std::string describe() const override { return "HTTP " + check_.method + " " + url_; }

  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    // Connects are free (dense); requests are paced.
    return via_.empty() ? std::chrono::steady_clock::time_point::min() : pacer_.next();
  }

 private:
  // One request.
  ProbeResult ask(httplib::Client& client, std::chrono::milliseconds left) {
    httplib::Request request;
    request.method = check_.method;
    request.path = parsed_.target;
    for (const auto& [name, value] : check_.headers) request.headers.emplace(name, value);
    // cpp-httplib would write an IPv6 host without brackets.
    if (!has_header(check_.headers, "Host")) request.headers.emplace("Host", authority());
    request.body = check_.body;

    auto result = client.send(request);
    pacer_.reached(std::chrono::steady_clock::now());
    if (!result) {
      if (result.error() == httplib::Error::Connection) {
        via_.clear();  // it accepted before: look for an accepting address again next time
        // Say why ("connection refused") rather than cpp-httplib's generic "Connection".
        auto tcp_result = tcp(deadline());
        if (!tcp_result.is_ready()) return ProbeResult::not_yet(tcp_result.detail);
      }
      // The read timeout is what is left until the deadline: a request cut short by it says
      // less than the last real answer did.
      if (result.error() == httplib::Error::Read && !last_answer_.empty()) {
        return ProbeResult::not_yet(last_answer_);
      }
      return ProbeResult::not_yet(check_.method + " " + url_ +
                                  " failed: " + httplib::to_string(result.error()) +
                                  " error (after " + detail::format_duration(left) + " at most)");
    }
    std::string code = std::to_string(result->status);
    if (status_.search(code)) return ProbeResult::ready("HTTP " + code);
    last_answer_ = "HTTP " + code + " (expected status /" + check_.status + "/)";
    return ProbeResult::not_yet(last_answer_);
  }

  std::string authority() const { return detail::host_port(parsed_.host, parsed_.port); }

  httplib::Client& client() {
    if (!client_) {
      client_ = std::make_unique<httplib::Client>(parsed_.scheme + "://" + authority());
      client_->set_url_encode(false);  // the URL's path and query are sent as the user wrote them
      client_->set_keep_alive(false);
      client_->set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
      client_->enable_server_certificate_verification(false);  // readiness, not trust
#endif
    }
    return *client_;
  }

  // The endpoint a socket told by on_listening() serves, if any (the told ones are forgotten).
  const detail::Endpoint* listening() {
    if (listening_.empty()) return nullptr;
    const auto sockets = std::exchange(listening_, {});
    std::string error;
    return resolved(deadline(), error) ? detail::served_by(endpoints_, sockets) : nullptr;
  }

  // Resolves the endpoints once per run; false (`error` says why) while it cannot.
  bool resolved(std::chrono::steady_clock::time_point deadline, std::string& error) {
    return !endpoints_.empty() ||
           detail::resolve_tcp(parsed_.host, parsed_.port, endpoints_, error, deadline);
  }

  ProbeResult tcp(std::chrono::steady_clock::time_point deadline,
                  const detail::Endpoint** accepted = nullptr) {
    std::string error;
    if (!resolved(deadline, error)) return ProbeResult::not_yet(error);
    return detail::connect_any(endpoints_, deadline, kOccupiedBound, accepted);
  }

  std::string url_;
  detail::HttpUrl parsed_;
  HttpCheck check_;
  detail::LineRegex status_;
  std::unique_ptr<httplib::Client> client_;
  std::vector<detail::Endpoint> endpoints_;
  std::string last_answer_;  // the last status that did not match, for messages
  std::string via_;          // the address that accepted in this run ("" until one did)
  std::string said_;         // what the last check said (repeated when asked too early)
  std::vector<ListeningSocket> listening_;  // told since the last check, while via_ is empty
  detail::Pacer pacer_;
};

}  // namespace

std::unique_ptr<Probe> make_http_probe(std::string url, HttpCheck check) {
  return std::make_unique<HttpProbe>(std::move(url), std::move(check));
}

}  // namespace mirakuru
