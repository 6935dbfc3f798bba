// What happened when: the run's timeline.
//
// While a trace or a summary is asked for, the library records a complete event for every
// service start (spawn → ready, with the probe's check count), every setup command, every stop
// and — in the GoogleTest layer — every test, one track per service:
//
//   MIRAKURU_TRACE=trace.json ./my_tests      # or gtest_main --mirakuru_trace=trace.json
//   MIRAKURU_SUMMARY=1 ./my_tests             # or gtest_main --mirakuru_summary
//
// The trace file is Chrome Trace Event Format (`{"traceEvents": [...]}`): open it in Perfetto
// (ui.perfetto.dev, "Open trace file") or chrome://tracing. It is written when the program
// exits, at the end of a GoogleTest run, and after SIGINT/SIGTERM when the termination handler
// is installed. Several processes naming the same file (ctest -j) merge their events into it
// under a lock, each process a pid of its own, on one clock (CLOCK_MONOTONIC); "%p" in the name
// gives each process its own file instead. The file grows with every run that names it: remove
// it before a run you want to see alone.
//
// When nothing asked for the timeline, recording costs one relaxed atomic load.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mirakuru::timeline {

using Clock = std::chrono::steady_clock;
using Value = std::variant<std::int64_t, std::string>;

struct Event {
  std::string track;  // a service's name (a bare executor: its program's name); "tests"; "set"
  std::string name;   // "start" (spawn → ready), "spawn", "setup", "stop", a test's full name
  Clock::time_point begin;
  Clock::time_point end;                            // == begin: an instant
  std::vector<std::pair<std::string, Value>> args;  // e.g. {"checks", 12}, {"outcome", "failed"}
};

// Whether anything asked for the timeline. MIRAKURU_TRACE=FILE and MIRAKURU_SUMMARY=1 are read
// on the first call of any function here.
bool enabled() noexcept;
// Records, and writes FILE at exit (and at write_trace()).
void enable_trace(const std::filesystem::path& file);
// Records, for summary(); the GoogleTest layer prints it after the run.
void enable_summary();
std::optional<std::filesystem::path> trace_path();
bool summary_requested();

// Adds an event (nothing when the timeline is off). Thread-safe.
void record(Event event);
// What was recorded so far in this process, in recording order.
std::vector<Event> events();

// Merges the events not written yet into the trace file. Never throws; logs why when it cannot
// write. Returns whether the file now holds every event of this process.
bool write_trace() noexcept;

// The summary of `events`: per service its starts, total and slowest spawn → ready and total
// stop time, then each set start's critical chain (the dependency path that bounded it).
// An aligned plain-text table ending in a newline; empty when there is nothing to summarize.
std::string summary(const std::vector<Event>& events);

}  // namespace mirakuru::timeline
