#include "leak_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace mirakuru::faults {
namespace {

struct Tally {
  int scenarios = 0;
  std::size_t checked = 0;
  int leaked = 0;
};

Tally& tally() {
  static Tally t;
  return t;
}

// Prints the final count once the tests of this binary ran (also under ctest, where each test
// runs alone: the count is then that test's).
class TallyPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    const Tally& t = tally();
    std::printf("faults: %d scenarios, %d leaked processes (%zu tracked processes checked)\n",
                t.scenarios, t.leaked, t.checked);
    std::fflush(stdout);
  }
};

[[maybe_unused]] ::testing::Environment* const g_printer =
    ::testing::AddGlobalTestEnvironment(new TallyPrinter);

// The fields after "(comm)" of /proc/PID/stat; empty when the process does not exist.
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto paren = line.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream rest(line.substr(paren + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

}  // namespace

std::optional<unsigned long long> start_time(pid_t pid) {
  const auto f = stat_fields(pid);
  if (f.size() < 20) return std::nullopt;
  return std::stoull(f[19]);  // field 22
}

std::optional<char> state(pid_t pid) {
  const auto f = stat_fields(pid);
  if (f.empty()) return std::nullopt;
  return f[0][0];
}

pid_t parent_of(pid_t pid) {
  const auto f = stat_fields(pid);
  return f.size() < 2 ? -1 : static_cast<pid_t>(std::stol(f[1]));
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "children");
    for (long child; in >> child;) out.push_back(static_cast<pid_t>(child));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Scenario::Scenario(std::string name)
    : name_(std::move(name)),
      baseline_children_(children_of(::getpid())),
      started_(std::chrono::steady_clock::now()) {}

void Scenario::track(pid_t pid, const std::string& what) {
  ASSERT_GT(pid, 0) << "no pid for " << what;
  const auto start = start_time(pid);
  // Already gone is fine (and checked as such): start 0 never matches a live process.
  tracked_.push_back({pid, start.value_or(0), what, false});
}

void Scenario::track_pid_files(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".pid") continue;
    std::ifstream in(entry.path());
    long pid = 0;
    if (in >> pid && pid > 0) {
      track(static_cast<pid_t>(pid), entry.path().stem().string());
    } else {
      ADD_FAILURE() << "unreadable pid file " << entry.path();
    }
  }
}

bool Scenario::is_gone(const Tracked& t) const {
  const auto start = start_time(t.pid);
  if (!start || *start != t.start) return true;  // no such process, or a new one on that pid
  return false;                                  // alive, or a zombie nobody reaped: both count
}

std::chrono::duration<double, std::milli> Scenario::expect_gone(
    std::chrono::milliseconds limit, std::chrono::steady_clock::time_point since) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto last_gone = since;
  for (;;) {
    bool all = true;
    for (auto& t : tracked_) {
      if (t.checked) continue;
      if (is_gone(t)) {
        t.checked = true;
        last_gone = std::chrono::steady_clock::now();
      } else {
        all = false;
      }
    }
    if (all || std::chrono::steady_clock::now() >= deadline) break;
    // Not our children (they belong to guardians): /proc is the only view.
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  for (auto& t : tracked_) {
    if (t.checked) continue;
    t.checked = true;
    ++leaked_;
    ADD_FAILURE() << name_ << ": " << t.what << " (pid " << t.pid << ", state "
                  << state(t.pid).value_or('?') << ") still exists " << limit.count()
                  << " ms after it should have been gone";
  }
  return std::max(std::chrono::duration<double, std::milli>(0),
                  std::chrono::duration<double, std::milli>(last_gone - since));
}

void Scenario::note(const std::string& text) { notes_.push_back(text); }

Scenario::~Scenario() {
  // Anything tracked but never checked explicitly must be gone by now.
  expect_gone(std::chrono::milliseconds(1000));
  // Guardians (and runners) are this process's children: all must have been reaped.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::vector<pid_t> extra;
  do {
    extra.clear();
    for (pid_t child : children_of(::getpid())) {
      if (!std::binary_search(baseline_children_.begin(), baseline_children_.end(), child)) {
        extra.push_back(child);
      }
    }
    if (extra.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  } while (std::chrono::steady_clock::now() < deadline);
  for (pid_t child : extra) {
    ++leaked_;
    ADD_FAILURE() << name_ << ": child " << child << " (state " << state(child).value_or('?')
                  << ") of the test process was left behind";
  }
  const std::size_t checked = tracked_.size() + extra.size();
  std::string line = "[faults] " + name_ + ": " + std::to_string(tracked_.size()) +
                     " tracked processes + this process's children checked, " +
                     std::to_string(leaked_) + " leaked";
  for (const auto& n : notes_) line += "; " + n;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  Tally& t = tally();
  ++t.scenarios;
  t.checked += checked;
  t.leaked += leaked_;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ms(std::chrono::duration<double, std::milli> d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", d.count());
  return buf;
}

}  // namespace mirakuru::faults
