#include "services/json_reader.hpp"

#include <algorithm>
#include <cctype>

namespace mirakuru::detail {

std::string json_child(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_child(const std::string& path, std::size_t index) {
  return path + "/" + std::to_string(index);
}

void config_error(const std::string& path, const std::string& message) {
  throw ConfigError(path, (path.empty() ? std::string("/") : path) + ": " + message);
}

std::string describe_json(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::null:
      return "null";
    default: {
      std::string text = value.dump();
      if (text.size() > 60) text = text.substr(0, 57) + "...";
      return text;
    }
  }
}

namespace {

// Optimal string alignment distance: a swap of two neighbours ("prot", "tpc") is one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  // Up to a third of the word may be wrong (at least one edit): "prot" -> "port", "timout".
  std::size_t best_distance = std::max<std::size_t>(1, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    // The distance is at least the difference in length: skip what cannot win (and never
    // compare a 2 MB key letter by letter).
    const std::size_t shorter = std::min(word.size(), candidate.size());
    if (std::max(word.size(), candidate.size()) - shorter >= best_distance) continue;
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = closest_match(word, candidates);
  return best.empty() ? std::string() : " (did you mean \"" + best + "\"?)";
}

JsonObject::JsonObject(const nlohmann::json& value, std::string path,
                       std::vector<std::string> allowed)
    : value_(value), path_(std::move(path)) {
  if (!value_.is_object()) config_error(path_, "expected an object, got " + describe_json(value_));
  for (const auto& item : value_.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    std::string known;
    for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
    const std::string shown =
        item.key().size() <= 60 ? item.key() : item.key().substr(0, 57) + "...";
    config_error(json_child(path_, item.key()), "unknown key \"" + shown + "\"" +
                                                    did_you_mean(item.key(), allowed) +
                                                    "; allowed here: " + known);
  }
}

const nlohmann::json* JsonObject::find(std::string_view key) const {
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::string JsonObject::string(std::string_view key, const std::string& fallback) const {
  const auto* v = find(key);
  return v ? expect_string(*v, path(key)) : fallback;
}

bool JsonObject::boolean(std::string_view key, bool fallback) const {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) config_error(path(key), "expected true or false, got " + describe_json(*v));
  return v->get<bool>();
}

const std::string& expect_string(const nlohmann::json& value, const std::string& path,
                                 std::string_view what) {
  if (!value.is_string()) {
    config_error(path, "expected " + std::string(what) + ", got " + describe_json(value));
  }
  return value.get_ref<const std::string&>();
}

}  // namespace mirakuru::detail
