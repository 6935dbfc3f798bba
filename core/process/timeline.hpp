// How the library records into the timeline (<mirakuru/timeline.hpp>): the track a thread works
// for, and spans that record themselves when they end.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mirakuru/timeline.hpp"

namespace mirakuru::detail::timeline {

using mirakuru::timeline::Clock;
using mirakuru::timeline::enabled;
using mirakuru::timeline::Event;
using mirakuru::timeline::record;
using mirakuru::timeline::Value;
using mirakuru::timeline::write_trace;

// The track this thread works for while the scope lives (a ServiceSet names the service).
class TrackScope {
 public:
  explicit TrackScope(std::string track);
  ~TrackScope();
  TrackScope(const TrackScope&) = delete;
  TrackScope& operator=(const TrackScope&) = delete;

 private:
  std::string previous_;
};
// The current thread's track, or `fallback` (e.g. the program's name) outside any scope.
std::string current_track(std::string_view fallback);
// The track of a bare executor: its program's file name ("redis-server").
std::string program_track(const std::vector<std::string>& argv, std::string_view line);

// Records [begin, now) on the current track when it goes out of scope, unless dropped; with
// "outcome": "failed" when it ends by an exception.
class Span {
 public:
  Span(std::string_view fallback_track, std::string name);
  // Outside any TrackScope: the track of the program (program_track), computed only if recording.
  Span(const std::vector<std::string>& argv, std::string_view line, std::string name);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  void arg(std::string key, Value value);
  // The span's bounds taken from the caller's own clock readings (so its log lines agree).
  void begin_at(Clock::time_point t) { event_.begin = t; }
  void end_at(Clock::time_point t) { end_ = t; }
  bool active() const { return active_; }

 private:
  bool active_;
  int exceptions_;
  void begin(std::string track, std::string name);

  Event event_;
  Clock::time_point end_{};  // set by end_at(); else when the span ends
};

// trace_file.cpp: merges `events` into the trace file (`%p` in its name: one file per pid) under
// an exclusive lock. Never throws; logs why and returns false when it cannot write.
bool write_trace_file(const std::filesystem::path& file, const std::vector<Event>& events,
                      pid_t pid) noexcept;

// "812.5 ms": how the summary and the critical chain print a duration.
std::string millis_text(Clock::duration d);

// Drops every event recorded so far (test/bench: a recording loop must not be written at exit).
void discard_events();

}  // namespace mirakuru::detail::timeline
