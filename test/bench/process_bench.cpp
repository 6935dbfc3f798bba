// Issue 2's benchmark: start()+stop() cycles per second next to the floor (a bare
// fork+exec+waitpid of /bin/true, measured in the same run), and the latency of stop() for a
// process that exits at once on SIGTERM. Targets: cycles >= 40% of the floor; stop() median
// <= 1 ms.
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "bench_support.hpp"
#include "mirakuru/simple_executor.hpp"

extern char** environ;

using Clock = std::chrono::steady_clock;
using mirakuru::bench::ms;
using mirakuru::bench::quantile;

namespace {

double floor_rate(int cycles) {
  const auto begin = Clock::now();
  for (int i = 0; i < cycles; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
      ::execve("/bin/true", argv, environ);
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  return cycles / std::chrono::duration<double>(Clock::now() - begin).count();
}

double cycle_rate(int cycles) {
  mirakuru::SimpleExecutor sleeper("sleep 1000");
  const auto begin = Clock::now();
  for (int i = 0; i < cycles; ++i) {
    sleeper.start();
    sleeper.stop();
  }
  return cycles / std::chrono::duration<double>(Clock::now() - begin).count();
}

std::vector<double> stop_latencies(int runs) {
  std::vector<double> out;
  mirakuru::SimpleExecutor sleeper("sleep 1000");
  for (int i = 0; i < runs; ++i) {
    sleeper.start();
    const auto begin = Clock::now();
    sleeper.stop();
    out.push_back(ms(Clock::now() - begin));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = mirakuru::bench::smoke(argc, argv);
  const int cycles = smoke ? 20 : 500;
  // Interleave floor and library measurements so both see the same machine load.
  floor_rate(cycles / 10);  // warm-up (page cache, allocator)
  const double floor1 = floor_rate(cycles);
  const double rate1 = cycle_rate(cycles);
  const double floor2 = floor_rate(cycles);
  const double rate2 = cycle_rate(cycles);
  const double floor = (floor1 + floor2) / 2;
  const double rate = (rate1 + rate2) / 2;
  const auto stops = stop_latencies(smoke ? 20 : 200);
  const double median = quantile(stops, 0.5);
  const double p90 = quantile(stops, 0.9);
  std::printf(
      "{\n"
      "  \"benchmark\": \"process\",\n"
      "  \"smoke\": %s,\n"
      "  \"floor_fork_exec_waitpid_per_s\": %.1f,\n"
      "  \"start_stop_cycles_per_s\": %.1f,\n"
      "  \"cycles_vs_floor\": %.3f,\n"
      "  \"target_cycles_vs_floor\": 0.40,\n"
      "  \"stop_latency_ms\": {\"median\": %.3f, \"p90\": %.3f, \"runs\": %zu},\n"
      "  \"target_stop_median_ms\": 1.0,\n"
      "  \"targets_met\": %s\n"
      "}\n",
      smoke ? "true" : "false", floor, rate, rate / floor, median, p90, stops.size(),
      (rate / floor >= 0.40 && median <= 1.0) ? "true" : "false");
  return 0;
}
