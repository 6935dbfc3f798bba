// Issue 5's benchmark: start() of a set of 20 services that each become ready 100 ms after they
// start, in 2 levels (10 independent services, then 10 that each depend on two of them), so the
// critical path is 200 ms. Target: start() <= critical path + 30 ms. Measured with output
// readiness (event-driven) and TCP readiness (polled); stop() of the whole set is reported too.
// The nominal critical path ignores what a process costs to spawn and to exec on this machine,
// so the same run also measures the floor: two such services started one after the other with
// bare OutputExecutors (no service set). Prints one JSON document.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/service_set.hpp"
#include "test_support.hpp"

using Clock = std::chrono::steady_clock;
using mirakuru::bench::ms;
using mirakuru::bench::quantile;

namespace {

constexpr int kWidth = 10;     // services per level
constexpr int kDelayMs = 100;  // each service is ready this long after it starts
constexpr double kCriticalPathMs = 2.0 * kDelayMs;

nlohmann::json make_set(bool tcp) {
  nlohmann::json services = nlohmann::json::object();
  const std::string svc = mirakuru::test::fixture("svc_service");
  auto service = [&](std::vector<std::string> depends_on) {
    nlohmann::json s;
    s["command"] = svc + " --delay " + std::to_string(kDelayMs) + (tcp ? " --port ${port}" : "");
    if (tcp) {
      s["port"] = "auto";
      s["ready"] = {{"tcp", nlohmann::json::object()}};
      s["poll_max"] = "2ms";
    } else {
      s["ready"] = {{"output", {{"banner", "^ready$"}}}};
    }
    if (!depends_on.empty()) s["depends_on"] = depends_on;
    return s;
  };
  for (int i = 0; i < kWidth; ++i) services["base" + std::to_string(i)] = service({});
  for (int i = 0; i < kWidth; ++i) {
    services["top" + std::to_string(i)] =
        service({"base" + std::to_string(i), "base" + std::to_string((i + 1) % kWidth)});
  }
  return {{"services", services}};
}

// Two services back to back, without a set: the practical critical path of this machine.
double chain_floor(int rounds) {
  const std::string command =
      mirakuru::test::fixture("svc_service") + " --delay " + std::to_string(kDelayMs);
  std::vector<double> chains;
  for (int r = 0; r < rounds; ++r) {
    mirakuru::OutputExecutor first(command, "^ready$");
    mirakuru::OutputExecutor second(command, "^ready$");
    const auto t0 = Clock::now();
    first.start();
    second.start();
    chains.push_back(ms(Clock::now() - t0));
  }
  return quantile(chains, 0.5);
}

nlohmann::json measure(bool tcp, int rounds, double floor) {
  std::vector<double> starts, stops;
  for (int r = 0; r < rounds; ++r) {
    auto set = mirakuru::ServiceSet::from_json(make_set(tcp));
    const auto t0 = Clock::now();
    set.start();
    const auto t1 = Clock::now();
    set.stop();
    const auto t2 = Clock::now();
    starts.push_back(ms(t1 - t0));
    stops.push_back(ms(t2 - t1));
  }
  const double median = quantile(starts, 0.5);
  return {{"readiness", tcp ? "tcp" : "output"},
          {"rounds", rounds},
          {"start_ms",
           {{"min", quantile(starts, 0)},
            {"median", median},
            {"p90", quantile(starts, 0.9)},
            {"max", quantile(starts, 1)}}},
          {"overhead_over_critical_path_ms", median - kCriticalPathMs},
          {"overhead_over_measured_floor_ms", median - floor},
          {"meets_target", median <= kCriticalPathMs + 30},
          {"stop_ms", {{"median", quantile(stops, 0.5)}, {"max", quantile(stops, 1)}}}};
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = mirakuru::bench::smoke(argc, argv) ? 1 : 7;
  const double floor = chain_floor(rounds);
  nlohmann::json out = {{"bench", "service_set_start"},
                        {"services", 2 * kWidth},
                        {"levels", 2},
                        {"service_ready_after_ms", kDelayMs},
                        {"critical_path_ms", kCriticalPathMs},
                        {"target_ms", kCriticalPathMs + 30},
                        {"measured_floor_ms", floor},
                        {"results", {measure(false, rounds, floor), measure(true, rounds, floor)}}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
