// ./server --port PORT --db DB_PORT — the "api" service of the sample service set: an HTTP API
// in front of the "db" service (redis).
//
//   GET  /health    200 "ok" when the database answers, 503 otherwise
//   GET  /greeting  $GREETING (set by the service set from its vars)
//   GET  /schema    the schema version ./migrate wrote
//   POST /visits    counts one visit, answers the count
//   POST /jobs      queues the job named by the body, answers 202 at once; a worker thread then
//                   records it in the database and logs "processed job ID" on stdout
//
// Stops on SIGINT or SIGTERM and exits 0.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "redis_wire.hpp"

int main(int argc, char** argv) {
  const auto port = sample::flag(argc, argv, "port");
  const auto db = sample::flag(argc, argv, "db");
  if (!port || !db) {
    std::fprintf(stderr, "usage: server --port PORT --db DB_PORT\n");
    return 2;
  }
  const int db_port = std::stoi(*db);

  // Block the stop signals in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  httplib::Server server;
  server.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    const auto pong = sample::redis_command(db_port, {"PING"});
    res.status = pong.ok ? 200 : 503;
    res.set_content(pong.ok ? "ok" : pong.value, "text/plain");
  });
  // Read once, before the server's threads exist: getenv is not thread-safe.
  const char* greeting_env = std::getenv("GREETING");  // NOLINT(concurrency-mt-unsafe)
  const std::string greeting = greeting_env ? greeting_env : "";
  server.Get("/greeting", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(greeting, "text/plain");
  });
  server.Get("/schema", [&](const httplib::Request&, httplib::Response& res) {
    const auto version = sample::redis_command(db_port, {"GET", "schema_version"});
    res.status = version.ok && !version.nil ? 200 : 500;
    res.set_content(version.nil ? "not migrated" : version.value, "text/plain");
  });
  server.Post("/visits", [&](const httplib::Request&, httplib::Response& res) {
    const auto count = sample::redis_command(db_port, {"INCR", "visits"});
    res.status = count.ok ? 200 : 500;
    res.set_content(count.value, "text/plain");
  });

  // Jobs are done after the answer, as real workers do: only the log says when.
  std::mutex jobs_mutex;
  std::condition_variable jobs_changed;
  std::deque<std::string> jobs;
  bool closing = false;
  server.Post("/jobs", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(jobs_mutex);
      jobs.push_back(req.body);
    }
    jobs_changed.notify_one();
    res.status = 202;
    res.set_content("queued", "text/plain");
  });
  std::thread worker([&] {
    std::unique_lock<std::mutex> lock(jobs_mutex);
    for (;;) {
      jobs_changed.wait(lock, [&] { return closing || !jobs.empty(); });
      if (jobs.empty()) return;
      const std::string id = jobs.front();
      jobs.pop_front();
      lock.unlock();
      const auto done = sample::redis_command(db_port, {"SET", "job:" + id, "done"});
      std::printf(done.ok ? "worker: processed job %s\n" : "worker: job %s failed: %s\n",
                  id.c_str(), done.value.c_str());
      std::fflush(stdout);
      lock.lock();
    }
  });

  if (!server.bind_to_port("127.0.0.1", std::stoi(*port))) {
    std::fprintf(stderr, "server: cannot bind 127.0.0.1:%s\n", port->c_str());
    {
      std::lock_guard<std::mutex> lock(jobs_mutex);
      closing = true;
    }
    jobs_changed.notify_one();
    worker.join();
    return 1;
  }
  auto stop_worker = [&] {
    {
      std::lock_guard<std::mutex> lock(jobs_mutex);
      closing = true;
    }
    jobs_changed.notify_one();
    worker.join();
  };
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  std::printf("server: listening on 127.0.0.1:%s, database on port %d\n", port->c_str(), db_port);
  std::fflush(stdout);
  const bool clean = server.listen_after_bind();
  if (!clean) ::kill(::getpid(), SIGTERM);  // wakes the stopper (the signal is blocked: pending)
  stopper.join();
  stop_worker();
  return clean ? 0 : 1;
}
