// Issue 14's benchmark: what the timeline costs. A start+stop cycle of an OutputExecutor (spawn,
// banner, SIGTERM) with the timeline off, then on (three events per cycle: spawn, start, stop),
// and the trace file written at the end; the recording itself is also timed in a tight loop,
// apart from the noise of process start-up. Target: recording + writing under 2% of a cycle.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "bench_support.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/timeline.hpp"
#include "process/timeline.hpp"
#include "test_support.hpp"

using Clock = std::chrono::steady_clock;
using mirakuru::bench::ms;
using mirakuru::bench::quantile;

namespace {

std::vector<double> cycles(int n) {
  mirakuru::OutputExecutor banner({mirakuru::test::fixture("banner")}, "READY");
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    const auto begin = Clock::now();
    banner.start();
    banner.stop();
    out.push_back(ms(Clock::now() - begin));
  }
  return out;
}

// Three spans like a cycle's, on a named track, with a cycle's args.
double record_ms_per_cycle(int n) {
  const auto begin = Clock::now();
  for (int i = 0; i < n; ++i) {
    mirakuru::detail::timeline::TrackScope track("banner");
    {
      mirakuru::detail::timeline::Span start("banner", "start");
      {
        mirakuru::detail::timeline::Span spawn("banner", "spawn");
        spawn.arg("pid", std::int64_t{12345});
      }
      start.arg("checks", std::int64_t{2});
      start.arg("probe", std::string("banner /READY/ on stdout/stderr"));
    }
    mirakuru::detail::timeline::Span stop("banner", "stop");
    stop.arg("pid", std::int64_t{12345});
    stop.arg("signal", std::int64_t{15});
  }
  return ms(Clock::now() - begin) / n;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = mirakuru::bench::smoke(argc, argv);
  const int n = smoke ? 10 : 300;
  mirakuru::test::TempDir dir;
  const auto trace = dir.path() / "trace.json";

  cycles(n / 10);  // warm-up
  const auto off = cycles(n);
  mirakuru::timeline::enable_trace(trace);
  const auto on = cycles(n);
  const std::size_t events = mirakuru::timeline::events().size();
  const auto write_begin = Clock::now();
  const bool written = mirakuru::timeline::write_trace();
  const double write_ms = ms(Clock::now() - write_begin);
  const double record_ms = record_ms_per_cycle(smoke ? 1000 : 100'000);
  mirakuru::detail::timeline::discard_events();  // the loop's events are not for the file

  const double off_median = quantile(off, 0.5);
  const double on_median = quantile(on, 0.5);
  const double cost_ms = record_ms + write_ms / n;
  const double fraction = cost_ms / off_median;
  std::printf(
      "{\n"
      "  \"benchmark\": \"timeline\",\n"
      "  \"smoke\": %s,\n"
      "  \"cycles\": %d,\n"
      "  \"cycle_ms_timeline_off\": {\"median\": %.3f, \"p90\": %.3f},\n"
      "  \"cycle_ms_timeline_on\": {\"median\": %.3f, \"p90\": %.3f},\n"
      "  \"events_recorded\": %zu,\n"
      "  \"record_us_per_cycle\": %.3f,\n"
      "  \"trace_write_ms\": %.3f,\n"
      "  \"trace_bytes\": %llu,\n"
      "  \"write_us_per_cycle\": %.3f,\n"
      "  \"cost_vs_cycle\": %.5f,\n"
      "  \"target_cost_vs_cycle\": 0.02,\n"
      "  \"targets_met\": %s\n"
      "}\n",
      smoke ? "true" : "false", n, off_median, quantile(off, 0.9), on_median, quantile(on, 0.9),
      events, record_ms * 1000, write_ms,
      static_cast<unsigned long long>(written ? std::filesystem::file_size(trace) : 0),
      write_ms * 1000 / n, fraction, written && fraction < 0.02 ? "true" : "false");
  return written ? 0 : 1;
}
