// readiness_bench [--runs N] [--smoke] — how long after a service is ready does start() return?
//
// Readiness overhead = the CLOCK_MONOTONIC time start() returned minus the time the fixture
// became ready (taken just before it printed its banner or called listen()), for OutputExecutor,
// TcpExecutor and HttpExecutor; plus the time from a process's last instant (taken just before
// _exit(1)) to ProcessExitedWithError reaching the caller. Prints one JSON document:
// median / p90 / min / max in microseconds per scenario, with the targets.
//
// TCP and HTTP run twice: against a server that logs a line once it listens (as real servers
// do; the output wakes the probe) and against a silent one (the probe's backoff alone). A
// "floor" scenario asks the same probe in a tight loop without an executor: the time the
// fixture itself needs from listen() to its first answer (for HTTP, cpp-httplib's server setup),
// which no executor can beat; compare medians against it.
// --smoke runs each scenario 3 times (a ctest runs it so the benchmark cannot rot); the targets
// are reported, never enforced — a shared CI machine is no place to assert microseconds.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "executor_test_support.hpp"
#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace {

namespace mt = mirakuru::test;
using namespace std::chrono_literals;

long long monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

// The stamp a fixture wrote (it may land a moment after start() returned: wait, bounded).
long long read_stamp(const std::filesystem::path& file) {
  auto until = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    std::ifstream in(file);
    long long t = 0;
    if (in >> t && t > 0) return t;
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("no stamp in " + file.string());
    std::this_thread::sleep_for(100us);
  }
}

// " t=NNN" in a banner line.
long long stamp_in(const std::string& output) {
  auto pos = output.find(" t=");
  if (pos == std::string::npos) throw std::runtime_error("no stamp in output: " + output);
  return std::atoll(output.c_str() + pos + 3);
}

struct Scenario {
  std::string name;
  double target_us;  // 0: no target
  std::string note;
  std::function<double()> run_once;  // one measurement, microseconds
};

nlohmann::json summarize(std::vector<double> v, double target_us) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  nlohmann::json j;
  j["n"] = v.size();
  j["median_us"] = at(0.5);
  j["p90_us"] = at(0.9);
  j["min_us"] = v.front();
  j["max_us"] = v.back();
  if (target_us > 0) {
    j["target_median_us"] = target_us;
    j["meets_target"] = at(0.5) <= target_us;
  }
  return j;
}

double output_once() {
  mirakuru::OutputExecutor ex(mt::fixture("banner") + " --stamp", "READY",
                              mirakuru::Options{.timeout = 20s});
  ex.start();
  long long returned = monotonic_ns();
  double us = static_cast<double>(returned - stamp_in(ex.output())) / 1000.0;
  ex.stop();
  return us;
}

// Starts `server` (a fixture that takes --port and --stamp-file) on a reserved port with the
// executor `make(command, port)` builds, and returns how long after the server's stamp start()
// returned, in microseconds.
template <typename MakeExecutor>
double stamped_once(const std::string& server, const std::string& extra, MakeExecutor make) {
  mt::TempDir dir;
  mt::PortReservation port;
  auto stamp = dir / "stamp";
  auto ex = make(mt::fixture(server) + " --port " + port.str() + " --stamp-file " + stamp.string() +
                     " " + extra,
                 port);
  ex.start();
  long long returned = monotonic_ns();
  double us = static_cast<double>(returned - read_stamp(stamp)) / 1000.0;
  ex.stop();
  return us;
}

double tcp_once(const std::string& extra) {
  return stamped_once("tcp_server", extra, [](std::string command, mt::PortReservation& port) {
    return mirakuru::TcpExecutor(std::move(command), "127.0.0.1", port.port(),
                                 mirakuru::Options{.timeout = 20s});
  });
}

double http_once(const std::string& extra) {
  return stamped_once("http_server", extra, [](std::string command, mt::PortReservation& port) {
    return mirakuru::HttpExecutor(std::move(command), "http://127.0.0.1:" + port.str() + "/health",
                                  {}, mirakuru::Options{.timeout = 20s});
  });
}

// The floor: the same probe asked in a tight loop (every 50 us, from a SimpleExecutor that
// returns at spawn) — what the fixture itself needs between listen() and its first answer.
// The executors' own overhead is what they add on top of this.
double floor_once(const std::string& fixture, const std::string& extra, bool http) {
  mt::TempDir dir;
  mt::PortReservation port;
  auto stamp = dir / "stamp";
  mirakuru::SimpleExecutor ex(mt::fixture(fixture) + " --port " + port.str() + " --stamp-file " +
                              stamp.string() + " " + extra);
  auto probe = http ? mirakuru::make_http_probe("http://127.0.0.1:" + port.str() + "/health")
                    : mirakuru::make_tcp_probe("127.0.0.1", port.port());
  probe->set_deadline(std::chrono::steady_clock::now() + 20s);
  ex.start();
  while (!probe->check().is_ready()) {
    if (!ex.running()) throw std::runtime_error(fixture + " exited");
    std::this_thread::sleep_for(50us);
  }
  long long ready = monotonic_ns();
  double us = static_cast<double>(ready - read_stamp(stamp)) / 1000.0;
  ex.stop();
  return us;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

template <typename Ex, typename... Args>
double early_exit_once(const std::string& command_suffix, Args&&... args) {
  mt::TempDir dir;
  auto stamp = dir / "stamp";
  Ex ex(mt::fixture("exit_with") + " 1 'fatal: cannot start' --stamp-file " + stamp.string() +
            command_suffix,
        std::forward<Args>(args)..., mirakuru::Options{.timeout = 20s});
  long long reported = 0;
  try {
    ex.start();
  } catch (const mirakuru::ProcessExitedWithError&) {
    reported = monotonic_ns();
  }
  if (reported == 0) throw std::runtime_error("the early exit was not reported");
  return static_cast<double>(reported - read_stamp(stamp)) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 50;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke") {
      smoke = true;
      runs = 3;
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: readiness_bench [--runs N] [--smoke]\n";
      return 2;
    }
  }

  std::vector<Scenario> scenarios = {
      {"output", 100, "banner on stdout", output_once},
      {"tcp", 500, "server logs a line once listening", [] { return tcp_once(""); }},
      {"tcp_silent", 500, "server prints nothing: backoff only",
       [] { return tcp_once("--quiet"); }},
      {"tcp_silent_after_50ms", 0, "silent server listening 50 ms after start: backoff only",
       [] { return tcp_once("--quiet --delay-ms 50"); }},
      {"tcp_silent_5_to_80ms", 0,
       "silent server listening 5..80 ms after start (spread over the runs): backoff only",
       [] {
         static int run = 0;
         return tcp_once("--quiet --delay-ms " + std::to_string(5 + (run++ * 37) % 76));
       }},
      {"tcp_floor", 0, "tight 50 us polling without the executor: the fixture's own latency",
       [] { return floor_once("tcp_server", "--quiet", false); }},
      {"http_floor", 0, "tight 50 us polling without the executor: the fixture's own latency",
       [] { return floor_once("http_server", "--quiet", true); }},
      {"http", 1000, "server logs a line once listening", [] { return http_once(""); }},
      {"http_silent", 1000, "server prints nothing: backoff only",
       [] { return http_once("--quiet"); }},
      {"early_exit_output", 5000, "exit 1 while waiting for a banner",
       [] { return early_exit_once<mirakuru::OutputExecutor>("", "READY"); }},
      {"early_exit_tcp", 5000, "exit 1 while polling a TCP port",
       [] {
         mt::PortReservation port;
         return early_exit_once<mirakuru::TcpExecutor>("", "127.0.0.1", port.port());
       }},
  };

  nlohmann::json out;
  out["benchmark"] = "readiness";
  out["runs"] = runs;
  out["smoke"] = smoke;
  out["hardware_concurrency"] = std::thread::hardware_concurrency();
  out["load_average_before"] = load_average();
  int failures = 0;
  for (const auto& s : scenarios) {
    std::vector<double> samples;
    try {
      for (int i = 0; i < runs; ++i) samples.push_back(s.run_once());
      auto j = summarize(samples, s.target_us);
      j["what"] = s.note;
      out["results"][s.name] = j;
    } catch (const std::exception& e) {
      ++failures;
      out["results"][s.name] = {{"error", e.what()}};
    }
  }
  out["load_average_after"] = load_average();
  std::cout << out.dump(2) << std::endl;
  return failures == 0 ? 0 : 1;
}
