// HttpExecutor: status regex, method, query string, and what a failing endpoint looks like.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "start_failure.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::test;
using mirakuru::HttpCheck;
using mirakuru::HttpExecutor;
using mirakuru::Options;

std::string server(const mt::PortReservation& port, const std::string& args = "") {
  return mt::fixture("http_server") + " --port " + port.str() + " " + args;
}
std::string url(const mt::PortReservation& port, const std::string& target) {
  return "http://127.0.0.1:" + port.str() + target;
}

TEST(HttpExecutor, ReadyOnTwoHundredToHead) {
  mt::PortReservation port;
  HttpExecutor ex(server(port, "--delay-ms 100"), url(port, "/health"), {},
                  Options{.timeout = 20s});
  mt::Stopwatch sw;
  ex.start();
  EXPECT_GE(sw.ms(), 100);
  EXPECT_TRUE(ex.running());
  EXPECT_EQ(ex.last_check().detail, "HTTP 200");
  EXPECT_NE(mt::output_with(ex, "HEAD /health -> 200").find("HEAD /health -> 200"),
            std::string::npos)
      << ex.output();
}

TEST(HttpExecutor, GetWhenTheServerOnlyServesGet) {
  mt::PortReservation port;
  HttpExecutor ex(server(port, "--method GET"), url(port, "/"), HttpCheck{.method = "GET"},
                  Options{.timeout = 20s});
  ex.start();
  EXPECT_NE(mt::output_with(ex, "GET / -> 200").find("GET / -> 200"), std::string::npos)
      << ex.output();
}

TEST(HttpExecutor, CustomStatusRegexAcceptsNotFound) {
  mt::PortReservation port;
  HttpExecutor ex(server(port, "--status 404"), url(port, "/missing"),
                  HttpCheck{.status = "^(200|404)$"}, Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(ex.last_check().detail, "HTTP 404");
}

TEST(HttpExecutor, SendsTheQueryString) {
  mt::PortReservation port;
  // The server answers 400 unless it sees wait_for_status=yellow.
  HttpExecutor ex(server(port, "--require-query wait_for_status=yellow"),
                  url(port, "/_cluster/health?wait_for_status=yellow"), HttpCheck{.method = "GET"},
                  Options{.timeout = 20s});
  ex.start();
  const std::string seen = "GET /_cluster/health?wait_for_status=yellow -> 200";
  EXPECT_NE(mt::output_with(ex, seen).find(seen), std::string::npos) << ex.output();
}

TEST(HttpExecutor, ServerErrorTimesOutWithTheStatus) {
  mt::PortReservation port;
  HttpExecutor ex(server(port, "--status 500"), url(port, "/health"), {},
                  Options{.timeout = 500ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(
      ex, {.says = {"HTTP 500", "HEAD /health -> 500"}, .at_least = 500ms, .under = 3s}))
      << "HTTP 500 must not count as ready; the tail must show the request";
  EXPECT_FALSE(ex.running());
}

TEST(HttpExecutor, TimeoutBeforeListeningSaysConnectionRefused) {
  mt::PortReservation port;
  HttpExecutor ex(mt::fixture("sleeper"), url(port, "/"), {}, Options{.timeout = 300ms});
  EXPECT_TRUE(mt::start_fails<mirakuru::TimeoutExpired>(ex, {.says = {"connection refused"}}));
}

TEST(HttpExecutor, EarlyExitIsReportedAtOnceWithStderr) {
  mt::PortReservation port;
  HttpExecutor ex(mt::fixture("exit_with") + " 1 'error: no such database'", url(port, "/"), {},
                  Options{.timeout = 30s});
  EXPECT_TRUE(mt::start_fails<mirakuru::ProcessExitedWithError>(
      ex, {.says = {"error: no such database"}, .exit_code = 1, .under = 2s}));
}

TEST(HttpExecutor, AlreadyRunningWhenThePortIsServed) {
  mt::PortReservation port;
  port.listen();
  HttpExecutor ex(mt::fixture("sleeper"), url(port, "/"), {}, Options{.timeout = 5s});
  EXPECT_THROW(ex.start(), mirakuru::AlreadyRunning);
  EXPECT_EQ(ex.pid(), -1);
}

TEST(HttpExecutor, HeadersAndBodyAreSent) {
  mt::PortReservation port;
  HttpExecutor ex(server(port), url(port, "/search"),
                  HttpCheck{.method = "POST",
                            .headers = {{"Content-Type", "application/json"}},
                            .body = R"({"query": 1})"},
                  Options{.timeout = 20s});
  ex.start();
  const std::string seen = R"(POST /search -> 200 type=application/json body={"query": 1})";
  EXPECT_NE(mt::output_with(ex, seen).find(seen), std::string::npos) << ex.output();
}

TEST(HttpExecutor, HttpsWithASelfSignedCertificate) {
  if (::access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/openssl";
  mt::TempDir dir;
  mirakuru::SimpleExecutor keygen({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                                   (dir / "key.pem").string(), "-out", (dir / "cert.pem").string(),
                                   "-days", "1", "-subj", "/CN=localhost"});
  keygen.start();
  ASSERT_EQ(keygen.wait(30s), std::optional<int>(0)) << keygen.err_output();
  // openssl s_server cannot share a reserved port: a port the kernel just gave out will do.
  const std::string port = std::to_string(mt::free_port());
  HttpExecutor ex({"/usr/bin/openssl", "s_server", "-accept", port, "-cert",
                   (dir / "cert.pem").string(), "-key", (dir / "key.pem").string(), "-www"},
                  "https://127.0.0.1:" + port + "/", HttpCheck{.method = "GET"},
                  Options{.timeout = 20s});
  ex.start();
  EXPECT_EQ(ex.last_check().detail, "HTTP 200");
}

TEST(HttpExecutor, BadUrlsAreRejectedByTheConstructor) {
  EXPECT_THROW(HttpExecutor(mt::fixture("sleeper"), "127.0.0.1:80/health"), std::invalid_argument);
  EXPECT_THROW(HttpExecutor(mt::fixture("sleeper"), "ftp://127.0.0.1/"), std::invalid_argument);
  EXPECT_THROW(HttpExecutor(mt::fixture("sleeper"), "http://127.0.0.1:http/"),
               std::invalid_argument);
  EXPECT_THROW(HttpExecutor(mt::fixture("sleeper"), "http://[::1/"), std::invalid_argument);
}

}  // namespace

TEST(HttpExecutor, LineBreaksInTheMethodOrHeadersAreRejectedByTheConstructor) {
  auto error_of = [](HttpCheck check) -> std::string {
    try {
      HttpExecutor(mt::fixture("sleeper"), "http://127.0.0.1:8080/", std::move(check));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(error_of({.method = "GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET"})
                .find("method contains a CR"),
            std::string::npos);
  EXPECT_NE(
      error_of({.headers = {{"X-Token", "a\nInjected: 1"}}}).find("\"X-Token\" contains a LF"),
      std::string::npos);
  EXPECT_NE(error_of({.headers = {{"X-\r\nBad", "1"}}}).find("name of a header contains a CR"),
            std::string::npos);
  EXPECT_NE(error_of({.status = "^2\\d\\d(?!x)"}).find("invalid HTTP status regex"),
            std::string::npos);
  EXPECT_EQ(error_of({.method = "GET", .headers = {{"Accept", "*/*"}}}), "(accepted)");
}
