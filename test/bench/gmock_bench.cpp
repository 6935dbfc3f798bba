// gmock_bench [--runs N] [--smoke] — what EventuallyOutputs (<mirakuru/gmock.hpp>) costs.
//
// "line_to_match": the time from a line being written (CLOCK_MONOTONIC taken by mk_line_echo just
// before its write(2), carried in the line) to EXPECT-style matching with EventuallyOutputs
// returning true in the waiting thread (target: median under 100 us). The line is triggered from
// another thread once the waiter blocks (a 2 ms head start), so it goes the event path: output
// thread -> line cut -> RE2 -> waiter woken.
// "idle_wait": a wait of --idle-ms on a silent process: the runner's CPU time (getrusage) and the
// waiting thread's voluntary context switches (each is a wake-up; target: none beyond the one
// block) — no polling.
// "noise_wait": the same wait while the process prints --noise non-matching lines, 200 us apart
// (each its own read on the output thread): how often the waiter is woken by output that is not
// its line (target: never — only its line, the exit or the end of the output wake it).
// Prints one JSON document; the targets are reported, never enforced.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "line_echo.hpp"
#include "mirakuru/gmock.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = mirakuru::testing;

long long monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

double process_cpu_us() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

long thread_voluntary_switches() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw;
}

nlohmann::json stats(const std::vector<double>& v) {
  return {{"median", mirakuru::bench::quantile(v, 0.5)},
          {"p90", mirakuru::bench::quantile(v, 0.9)},
          {"min", mirakuru::bench::quantile(v, 0)},
          {"max", mirakuru::bench::quantile(v, 1)}};
}

// The stamp in "job N t=NS".
long long stamp_of(const std::string& output, const std::string& prefix) {
  const auto at = output.rfind(prefix + " t=");
  if (at == std::string::npos) return -1;
  return std::atoll(output.c_str() + at + prefix.size() + 3);
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = mirakuru::bench::smoke(argc, argv);
  int runs = smoke ? 5 : 200;
  int idle_ms = smoke ? 200 : 2000;
  int noise = smoke ? 100 : 1000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--idle-ms") == 0) idle_ms = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--noise") == 0) noise = std::atoi(argv[i + 1]);
  }
  nlohmann::json out;
  out["benchmark"] = "gmock";
  out["runs"] = runs;
  out["smoke"] = smoke;
  out["hardware_concurrency"] = std::thread::hardware_concurrency();
  int failures = 0;

  mirakuru::test::LineEcho echo;
  auto& ex = echo.executor();
  ex.start();

  {  // line_to_match
    std::vector<double> latency_us;
    for (int i = 0; i < runs; ++i) {
      const std::string prefix = "job " + std::to_string(i);
      const auto mark = mt::output_mark(ex);
      std::thread trigger([&] {
        std::this_thread::sleep_for(2ms);  // a head start: the waiter blocks first
        echo.send("stamp:" + prefix);
      });
      const bool ok = ::testing::Value(ex, mt::EventuallyOutputs("^" + prefix + " t=", 5s, mark));
      const long long returned = monotonic_ns();
      trigger.join();
      const long long written = stamp_of(ex.output(), prefix);
      if (!ok || written < 0) {
        ++failures;
        continue;
      }
      latency_us.push_back(static_cast<double>(returned - written) / 1000.0);
    }
    auto j = stats(latency_us);
    j["unit"] = "us";
    j["target_median_us"] = 100;
    j["what"] = "line written (stamp before write(2)) -> EventuallyOutputs returned true";
    out["results"]["line_to_match"] = j;
  }

  auto timed_wait = [&](int lines_of_noise) {
    const auto mark = mt::output_mark(ex);
    std::thread noisy;
    if (lines_of_noise > 0) {
      noisy = std::thread([&] {
        std::this_thread::sleep_for(2ms);
        // Spaced out, so that each line reaches the output thread on its own read.
        for (int i = 0; i < lines_of_noise; ++i) {
          echo.send("out:noise " + std::to_string(i));
          std::this_thread::sleep_for(200us);
        }
      });
    }
    const double cpu0 = process_cpu_us();
    const long switches0 = thread_voluntary_switches();
    const auto began = std::chrono::steady_clock::now();
    const bool matched = ::testing::Value(
        ex, mt::EventuallyOutputs("never printed", std::chrono::milliseconds(idle_ms), mark));
    const double wall_us = mirakuru::bench::ms(std::chrono::steady_clock::now() - began) * 1000;
    const long switches = thread_voluntary_switches() - switches0;
    const double cpu = process_cpu_us() - cpu0;
    if (noisy.joinable()) noisy.join();
    if (matched) ++failures;
    return nlohmann::json{{"wait_ms", wall_us / 1000},
                          {"runner_cpu_us", cpu},
                          {"runner_cpu_percent_of_core", 100.0 * cpu / wall_us},
                          {"waiter_wakeups", switches > 0 ? switches - 1 : 0},
                          {"waiter_voluntary_context_switches", switches}};
  };
  {
    auto j = timed_wait(0);
    j["what"] = "EventuallyOutputs waiting on a silent process until its timeout";
    j["target_waiter_wakeups"] = 0;
    out["results"]["idle_wait"] = j;
  }
  {
    auto j = timed_wait(noise);
    j["noise_lines"] = noise;
    j["what"] = "EventuallyOutputs waiting while the process prints lines that do not match";
    j["target_waiter_wakeups"] = 0;
    out["results"]["noise_wait"] = j;
  }
  ex.stop();
  std::cout << out.dump(2) << std::endl;
  return failures == 0 ? 0 : 1;
}
