#include "executors/url.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace mirakuru::detail {

namespace {

[[noreturn]] void bad_url(const std::string& url, const std::string& why) {
  throw std::invalid_argument("mirakuru HTTP probe: cannot use URL \"" + url + "\": " + why +
                              " (expected http://host:port/path?query)");
}

}  // namespace

HttpUrl parse_http_url(const std::string& url) {
  HttpUrl out;
  auto sep = url.find("://");
  if (sep == std::string::npos) bad_url(url, "no scheme");
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https")
    bad_url(url, "the scheme must be http or https");

  auto rest = url.substr(sep + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, authority_end);
  std::string target = authority_end == std::string::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string::npos) {
    bad_url(url,
            "credentials in the URL are not sent; put an Authorization header in "
            "HttpCheck::headers instead");
  }

  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) bad_url(url, "unterminated IPv6 address");
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(url, "unexpected text after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) bad_url(url, "no host");

  if (port_text.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
  } else {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      bad_url(url, "the port \"" + port_text + "\" is not a number");
    }
    out.port = std::stoi(port_text);
    if (out.port < 1 || out.port > 65535) bad_url(url, "the port is outside 1..65535");
  }

  target = target.substr(0, target.find('#'));
  if (target.empty() || target.front() == '?') target = "/" + target;
  out.target = target;
  return out;
}

}  // namespace mirakuru::detail
