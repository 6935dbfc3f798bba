// The fault suite's bookkeeping: which processes a scenario created, whether every one of them
// is really gone (reaped — a zombie is a leak too), and the tally printed at the end:
//   faults: N scenarios, M leaked processes
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mirakuru::faults {

// /proc/PID/stat field 22: distinguishes a process from a later one that reuses its pid.
std::optional<unsigned long long> start_time(pid_t pid);
// The process state letter ('R', 'S', 'Z'...), nullopt when there is no such process.
std::optional<char> state(pid_t pid);
pid_t parent_of(pid_t pid);
// Every child of `pid`, whichever of its threads forked it (/proc/PID/task/*/children).
std::vector<pid_t> children_of(pid_t pid);

// One row of the fault table. Create it first thing in the test: it remembers this process's
// children, and its destructor checks that none was added and left behind, prints the row's
// summary line and adds it to the tally.
class Scenario {
 public:
  explicit Scenario(std::string name);
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  // Remembers a process that must be gone at the end (its pid and start time, taken now).
  void track(pid_t pid, const std::string& what);
  // Tracks the pid in every DIR/*.pid file (services, daemons, leaders written by runners).
  void track_pid_files(const std::filesystem::path& dir);
  std::size_t tracked() const { return tracked_.size(); }

  // Waits until every tracked process is gone, for at most `limit`, and counts the rest as
  // leaked (with a test failure naming them). Returns the time from `since` until the last one
  // was seen gone.
  std::chrono::duration<double, std::milli> expect_gone(
      std::chrono::milliseconds limit,
      std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now());

  // Extra text for the summary line ("escalated after 301 ms").
  void note(const std::string& text);

 private:
  struct Tracked {
    pid_t pid;
    unsigned long long start;
    std::string what;
    bool checked;
  };
  bool is_gone(const Tracked& t) const;

  std::string name_;
  std::vector<pid_t> baseline_children_;
  std::vector<Tracked> tracked_;
  std::vector<std::string> notes_;
  int leaked_ = 0;
  std::chrono::steady_clock::time_point started_;
};

// A whole file as text ("" when it cannot be read).
std::string read_text(const std::filesystem::path& file);

// "12.3 ms", for the figures the scenarios print.
std::string ms(std::chrono::duration<double, std::milli> d);

}  // namespace mirakuru::faults
