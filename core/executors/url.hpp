// The parts of an http(s) URL the HTTP probe needs.
#pragma once

#include <string>

namespace mirakuru::detail {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets: "::1"
  int port = 0;        // explicit, else 80 / 443
  std::string target;  // path and query, as given: "/_cluster/health?wait_for_status=yellow"
};

// Parses http[s]://host[:port][/path][?query][#fragment] (the fragment is dropped, the rest is
// kept byte for byte: it is already URL-encoded). Throws std::invalid_argument naming the URL
// and what is wrong with it.
HttpUrl parse_http_url(const std::string& url);

}  // namespace mirakuru::detail
