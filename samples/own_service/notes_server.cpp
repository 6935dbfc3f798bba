// The service under test of sample 2: a tiny notes API written with cpp-httplib.
//
//   notes_server --port PORT
//   GET  /health        200 "ok"
//   PUT  /notes/NAME    stores the body; 201 when new, 200 when replaced
//   GET  /notes/NAME    200 with the body, 404 when unknown
//   DELETE /notes/NAME  204, 404 when unknown
//   GET  /notes         the names, one per line, sorted
//
// It stops on SIGTERM or SIGINT, finishing the request in flight, and exits 0.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port")
      port = static_cast<int>(std::strtol(argv[i + 1], nullptr, 10));
  }
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: notes_server --port PORT\n");
    return 2;
  }

  // Block the stop signals in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::mutex mutex;
  std::map<std::string, std::string> notes;
  httplib::Server server;
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server.Get("/notes", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mutex);
    std::string names;
    for (const auto& [name, body] : notes) names += name + "\n";
    res.set_content(names, "text/plain");
  });
  server.Put(R"(/notes/([\w.-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    const bool fresh = notes.insert_or_assign(req.matches[1].str(), req.body).second;
    res.status = fresh ? 201 : 200;
  });
  server.Get(R"(/notes/([\w.-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    const auto it = notes.find(req.matches[1].str());
    if (it == notes.end()) {
      res.status = 404;
      return;
    }
    res.set_content(it->second, "text/plain");
  });
  server.Delete(R"(/notes/([\w.-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    res.status = notes.erase(req.matches[1].str()) ? 204 : 404;
  });

  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "notes_server: cannot bind 127.0.0.1:%d\n", port);
    return 1;
  }
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::printf("notes_server: signal %d, stopping\n", sig);
    std::fflush(stdout);
    server.stop();
  });
  std::printf("notes_server: listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  const bool clean = server.listen_after_bind();
  if (!clean) ::kill(::getpid(), SIGTERM);  // wakes the stopper (the signal is blocked: pending)
  stopper.join();
  return clean ? 0 : 1;
}
