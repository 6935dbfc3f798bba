// Reading a cpp-httplib result in a test without dereferencing a missing response: a request
// that got no answer fails the expectation with the reason instead of crashing the runner.
//
//   EXPECT_EQ(samples::status(client.Get("/health")), 200);
//   EXPECT_EQ(samples::body(client.Get("/greeting")), "hi");
#pragma once

#include <httplib.h>

#include <string>

namespace samples {

// The HTTP status, or -1 when no response came (connection refused, timeout...).
inline int status(const httplib::Result& result) { return result ? result->status : -1; }

// The body, or a description of why there is none.
inline std::string body(const httplib::Result& result) {
  return result ? result->body : "(no response: " + httplib::to_string(result.error()) + ")";
}

}  // namespace samples
