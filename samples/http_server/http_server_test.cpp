// Sample 1 — the Python mirakuru README's own example, in C++: `python3 -m http.server` behind
// an HTTP readiness probe (an HttpExecutor), checked with a real GET.
//
// The port is an "auto" port of a service set. The set reserves it when it is built — from a
// range the kernel never hands out as an ephemeral port, under a lock file every mirakuru
// runner honours — and holds it until the set is destroyed, so nothing can take it before
// python binds it. (A port the kernel called free a moment ago — bind port 0, read it, close —
// can be taken by any process in between.)
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <mirakuru/mirakuru.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "http_result.hpp"
#include "sample_report.hpp"

namespace {

using namespace std::chrono_literals;

// One service, "http": python's file server on an auto port, serving its own ${tmpdir}. It is
// ready when `ready` — an HTTP probe: url, and optionally method and expected status — says so.
mirakuru::ServiceSet http_server(const nlohmann::json& ready) {
  auto config = nlohmann::json::parse(R"({
    "services": {
      "http": {
        "command": ["python3", "-m", "http.server", "${port}", "--bind", "127.0.0.1",
                    "--directory", "${tmpdir}"],
        "port": "auto",
        "timeout": "20s"
      }
    }
  })");
  config["services"]["http"]["ready"] = {{"http", ready}};
  return mirakuru::ServiceSet::from_json(config);
}

// Ready when HEAD / answers 2xx (HttpCheck's defaults).
const nlohmann::json kRootAnswers = {{"url", "http://127.0.0.1:${port}/"}};

// The directory exists from the set's construction: the file is there before python starts.
void write_site(const mirakuru::ServiceSet& set) {
  std::ofstream(set.tmpdir("http") / "hello.txt") << "hello from mirakuru-cpp\n";
}

TEST(HttpServer, ServesAFileOnAReservedPort) {
  auto set = http_server(kRootAnswers);  // the port is reserved from here on
  write_site(set);
  const int port = set.port("http");

  const auto t0 = std::chrono::steady_clock::now();
  set.start();  // returns once HEAD / answers 2xx
  const auto shot = samples::started("http_server", set, "http", samples::since(t0));

  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2s);
  client.set_read_timeout(5s);
  const auto res = client.Get("/hello.txt");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from mirakuru-cpp\n");
  EXPECT_EQ(samples::status(client.Get("/missing.txt")), 404);

  set.stop();  // SIGTERM: python dies of it, which counts as a clean stop
  const auto& server = set.executor("http");
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.returncode(), -SIGTERM);
  { const auto gone = std::move(set); }  // ${tmpdir} belongs to the set: it goes with it
  samples::cleaned(shot);                // the process is gone and its ${tmpdir} removed
}

TEST(HttpServer, AnotherServerOnTheSamePortIsAlreadyRunning) {
  auto set = http_server(kRootAnswers);
  write_site(set);
  set.start();

  // The same server as a bare HttpExecutor, on the port the set holds: pre_start_check() sees
  // the port answering, so nothing is started and nothing is left behind.
  const int port = set.port("http");
  mirakuru::HttpExecutor second(
      {"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"},
      set.url("http") + "/", {}, {.timeout = 20s});
  EXPECT_THROW(second.start(), mirakuru::AlreadyRunning);
  EXPECT_FALSE(second.running());
  EXPECT_TRUE(set.executor("http").running());
}  // the set's destructor stops the server and releases the port

TEST(HttpServer, ProbesTheUrlPathWithTheMethodAndStatusAsked) {
  // Ready only when GET /hello.txt answers exactly 200 — a path that must exist.
  auto set = http_server(
      {{"url", "http://127.0.0.1:${port}/hello.txt"}, {"method", "GET"}, {"status", "^200$"}});
  write_site(set);
  set.start();
  httplib::Client client("127.0.0.1", set.port("http"));
  EXPECT_EQ(samples::body(client.Get("/hello.txt")), "hello from mirakuru-cpp\n");
}

}  // namespace
