#include "process/timeline.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>

#include "mirakuru/timeline.hpp"

namespace mirakuru::timeline {

namespace {

// Never destroyed: the atexit writer and late threads may still use it.
struct State {
  std::mutex mutex;
  std::vector<Event> events;
  std::size_t written = 0;  // events[0, written) are in the trace file already
  bool wrote = false;       // the file exists (written even when nothing happened)
  std::optional<std::filesystem::path> trace;
  bool summary = false;
  pid_t owner = -1;  // a forked child (a death test) neither records nor writes the parent's
};

State& state() {
  static State* s = new State;  // NOLINT(cppcoreguidelines-owning-memory): intentionally leaked
  return *s;
}

std::atomic<bool> g_enabled{false};
std::once_flag g_environment_read;

void write_at_exit() { write_trace(); }

void enable_locked(State& s) {
  s.owner = ::getpid();
  g_enabled.store(true, std::memory_order_relaxed);
}

void set_trace_locked(State& s, const std::filesystem::path& file) {
  static std::once_flag at_exit;
  s.trace = file;
  enable_locked(s);
  std::call_once(at_exit, [] { std::atexit(write_at_exit); });
}

void read_environment() {
  std::call_once(g_environment_read, [] {
    State& s = state();
    std::lock_guard lock(s.mutex);
    // NOLINTBEGIN(concurrency-mt-unsafe): read once, before anything records
    const char* trace = std::getenv("MIRAKURU_TRACE");
    const char* summary = std::getenv("MIRAKURU_SUMMARY");
    // NOLINTEND(concurrency-mt-unsafe)
    if (trace != nullptr && *trace != '\0' && !s.trace) set_trace_locked(s, trace);
    if (summary != nullptr && std::strcmp(summary, "1") == 0) {
      s.summary = true;
      enable_locked(s);
    }
  });
}

}  // namespace

bool enabled() noexcept {
  read_environment();
  return g_enabled.load(std::memory_order_relaxed);
}

void enable_trace(const std::filesystem::path& file) {
  read_environment();
  State& s = state();
  std::lock_guard lock(s.mutex);
  set_trace_locked(s, file);
}

void enable_summary() {
  read_environment();
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.summary = true;
  enable_locked(s);
}

std::optional<std::filesystem::path> trace_path() {
  read_environment();
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.trace;
}

bool summary_requested() {
  read_environment();
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.summary;
}

void record(Event event) {
  if (!enabled()) return;
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (::getpid() != s.owner) return;
  s.events.push_back(std::move(event));
}

std::vector<Event> events() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.events;
}

bool write_trace() noexcept {
  State& s = state();
  try {
    std::lock_guard lock(s.mutex);
    if (!s.trace || ::getpid() != s.owner) return false;
    if (s.wrote && s.written == s.events.size()) return true;
    const std::vector<Event> fresh(s.events.begin() + static_cast<std::ptrdiff_t>(s.written),
                                   s.events.end());
    if (!detail::timeline::write_trace_file(*s.trace, fresh, s.owner)) return false;
    s.written = s.events.size();
    s.wrote = true;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace mirakuru::timeline

namespace mirakuru::detail::timeline {

namespace {
thread_local std::string t_track;
}  // namespace

TrackScope::TrackScope(std::string track) : previous_(std::exchange(t_track, std::move(track))) {}
TrackScope::~TrackScope() { t_track = std::move(previous_); }

std::string current_track(std::string_view fallback) {
  return t_track.empty() ? std::string(fallback) : t_track;
}

std::string program_track(const std::vector<std::string>& argv, std::string_view line) {
  std::string_view program = argv.empty() ? line : std::string_view(argv.front());
  if (argv.empty()) program = program.substr(0, program.find(' '));
  const auto slash = program.rfind('/');
  if (slash != std::string_view::npos) program.remove_prefix(slash + 1);
  return program.empty() ? std::string("process") : std::string(program);
}

std::string millis_text(Clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", std::chrono::duration<double, std::milli>(d).count());
  return text;
}

Span::Span(std::string_view fallback_track, std::string name)
    : active_(enabled()), exceptions_(std::uncaught_exceptions()) {
  if (active_) begin(current_track(fallback_track), std::move(name));
}

Span::Span(const std::vector<std::string>& argv, std::string_view line, std::string name)
    : active_(enabled()), exceptions_(std::uncaught_exceptions()) {
  if (active_) begin(t_track.empty() ? program_track(argv, line) : t_track, std::move(name));
}

void Span::begin(std::string track, std::string name) {
  event_.track = std::move(track);
  event_.name = std::move(name);
  event_.begin = Clock::now();
}

Span::~Span() {
  if (!active_) return;
  event_.end = end_ == Clock::time_point{} ? Clock::now() : end_;
  try {
    if (std::uncaught_exceptions() > exceptions_) event_.args.emplace_back("outcome", "failed");
    record(std::move(event_));
  } catch (...) {  // out of memory while recording: the trace misses one event
  }
}

void Span::arg(std::string key, Value value) {
  if (active_) event_.args.emplace_back(std::move(key), std::move(value));
}

void discard_events() {
  auto& s = mirakuru::timeline::state();
  std::lock_guard lock(s.mutex);
  s.events.clear();
  s.written = 0;
}

}  // namespace mirakuru::detail::timeline
