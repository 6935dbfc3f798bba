// Sample 1 — the Python mirakuru README's own example, in C++: an HttpExecutor on
// `python3 -m http.server`, on a port the kernel picked, checked with a real GET.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mirakuru/mirakuru.hpp>
#include <string>

#include "http_result.hpp"
#include "sample_report.hpp"

namespace {

using namespace std::chrono_literals;

// A loopback port the kernel considered free a moment ago: bind port 0, read it, close.
int kernel_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot get a free port from the kernel");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A directory the server serves, with one file in it; removed afterwards.
class Site {
 public:
  Site() {
    const char* base = std::getenv("TEST_TMPDIR");  // NOLINT(concurrency-mt-unsafe): no setenv
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mk-site-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::ofstream(dir_ / "hello.txt") << "hello from mirakuru-cpp\n";
  }
  ~Site() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

mirakuru::Command http_server(int port) {
  return {"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"};
}

TEST(HttpServer, ServesAFileOnAPortFromTheKernel) {
  Site site;
  const int port = kernel_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  mirakuru::HttpExecutor server(http_server(port), url, {}, {.cwd = site.dir(), .timeout = 20s});

  const auto t0 = std::chrono::steady_clock::now();
  server.start();  // returns once HEAD / answers 2xx
  const auto shot = samples::started("http_server", "http.server", server.pid(), port,
                                     samples::since(t0), server.command().str());

  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2s);
  client.set_read_timeout(5s);
  const auto res = client.Get("/hello.txt");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from mirakuru-cpp\n");
  EXPECT_EQ(samples::status(client.Get("/missing.txt")), 404);

  server.stop();  // SIGTERM: python dies of it, which counts as a clean stop
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.returncode(), -SIGTERM);
  samples::cleaned(shot);
}

TEST(HttpServer, AnotherServerOnTheSamePortIsAlreadyRunning) {
  Site site;
  const int port = kernel_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  mirakuru::HttpExecutor first(http_server(port), url, {}, {.cwd = site.dir(), .timeout = 20s});
  first.start();

  // pre_start_check() sees the port answering: nothing is started, nothing is left behind.
  mirakuru::HttpExecutor second(http_server(port), url, {}, {.cwd = site.dir(), .timeout = 20s});
  EXPECT_THROW(second.start(), mirakuru::AlreadyRunning);
  EXPECT_FALSE(second.running());
  EXPECT_TRUE(first.running());
}  // the destructor stops `first`

TEST(HttpServer, ProbesTheUrlPathWithTheMethodAndStatusAsked) {
  Site site;
  const int port = kernel_port();
  // Ready only when GET /hello.txt answers exactly 200 — a path that must exist.
  mirakuru::HttpExecutor server(
      http_server(port), "http://127.0.0.1:" + std::to_string(port) + "/hello.txt",
      {.status = "^200$", .method = "GET"}, {.cwd = site.dir(), .timeout = 20s});
  server.start();
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/hello.txt");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "hello from mirakuru-cpp\n");
}

}  // namespace
