// timeline::summary(): the table gtest_main --mirakuru_summary prints after the run.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "mirakuru/timeline.hpp"
#include "process/timeline.hpp"

namespace mirakuru::timeline {

namespace {

using Micros = std::chrono::microseconds;

struct Row {
  std::size_t starts = 0;
  std::size_t spawns = 0;  // a bare SimpleExecutor has no "start", only its spawn
  Micros start_total{0}, start_max{0}, spawn_total{0}, spawn_max{0};
  std::size_t stops = 0;
  Micros stop_total{0};
  std::size_t failed = 0;
};

std::string millis(Micros d) { return detail::timeline::millis_text(d); }

const std::string* text_arg(const Event& e, const char* key) {
  for (const auto& [k, v] : e.args) {
    if (k == key) return std::get_if<std::string>(&v);
  }
  return nullptr;
}

// Columns in characters, not bytes ("→" is three bytes of UTF-8).
std::size_t width_of(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], width_of(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - width_of(row[c]), ' ');
      line += c == 0 ? row[c] + pad : pad + row[c];  // names left, numbers right
      line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string summary(const std::vector<Event>& events) {
  std::map<std::string, Row> rows;
  std::vector<std::string> order;  // tracks in order of their first start
  std::size_t set_starts = 0;
  const Event* slowest_set = nullptr;
  for (const Event& e : events) {
    const auto d = std::chrono::duration_cast<Micros>(e.end - e.begin);
    if (e.track == "set") {
      if (e.name == "start" && text_arg(e, "critical_chain") != nullptr) {
        ++set_starts;
        if (slowest_set == nullptr || d > slowest_set->end - slowest_set->begin) slowest_set = &e;
      }
      continue;
    }
    if (e.name != "start" && e.name != "spawn" && e.name != "stop") continue;
    if (rows.find(e.track) == rows.end()) order.push_back(e.track);
    Row& row = rows[e.track];
    if (e.name == "start") {
      ++row.starts;
      row.start_total += d;
      row.start_max = std::max(row.start_max, d);
      if (const auto* outcome = text_arg(e, "outcome"); outcome && *outcome == "failed") {
        ++row.failed;
      }
    } else if (e.name == "spawn") {
      ++row.spawns;
      row.spawn_total += d;
      row.spawn_max = std::max(row.spawn_max, d);
    } else {
      ++row.stops;
      row.stop_total += d;
    }
  }
  if (rows.empty()) return {};
  std::vector<std::vector<std::string>> cells{
      {"service", "starts", "failed", "spawn→ready total", "slowest", "stops", "stop total"}};
  for (const auto& track : order) {
    const Row& r = rows[track];
    const bool probed = r.starts > 0;  // else: a bare SimpleExecutor, ready when spawned
    cells.push_back({track, std::to_string(probed ? r.starts : r.spawns), std::to_string(r.failed),
                     millis(probed ? r.start_total : r.spawn_total),
                     millis(probed ? r.start_max : r.spawn_max), std::to_string(r.stops),
                     millis(r.stop_total)});
  }
  std::string out = "[ mirakuru ] summary: service starts and stops in this process\n";
  out += table(cells);
  if (slowest_set != nullptr) {
    out += "  critical chain of the slowest of " + std::to_string(set_starts) + " set start(s) (" +
           millis(std::chrono::duration_cast<Micros>(slowest_set->end - slowest_set->begin)) +
           "): " + *text_arg(*slowest_set, "critical_chain") + "\n";
  }
  return out;
}

}  // namespace mirakuru::timeline
