// From a file or text to a JSON document: what the file is, malformed JSON with line and
// column, keys repeated in one object.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "services/config_parser.hpp"
#include "services/json_reader.hpp"

namespace mirakuru::detail {

namespace {

constexpr std::size_t kMaxFile = std::size_t{16} << 20;

// A parser callback that tracks where it is, to name a repeated key by its JSON pointer
// (nlohmann keeps the last value silently; a typo'd copy of a service would vanish).
class RepeatedKeys {
 public:
  explicit RepeatedKeys(std::string origin) : origin_(std::move(origin)) {}

  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        levels_.push_back({event == Event::array_start, 0, {}, {}, next_path()});
        break;
      case Event::key: {
        Level& level = levels_.back();
        level.key = parsed.get<std::string>();
        if (!level.keys.insert(level.key).second) {
          const std::string path = json_child(level.path, level.key);
          throw ConfigError(path, origin_ + ": " + path + ": the key \"" + shown(level.key) +
                                      "\" appears twice in this object (JSON would keep only "
                                      "the last one)");
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        levels_.pop_back();
        advance();
        break;
      case Event::value:
        advance();
        break;
    }
    return true;
  }

 private:
  struct Level {
    bool array = false;
    std::size_t index = 0;
    std::string key;
    std::set<std::string> keys;
    std::string path;
  };

  static std::string shown(const std::string& key) {
    return key.size() <= 60 ? key : key.substr(0, 57) + "...";
  }
  std::string next_path() const {
    if (levels_.empty()) return {};
    const Level& level = levels_.back();
    return level.array ? json_child(level.path, level.index) : json_child(level.path, level.key);
  }
  void advance() {
    if (!levels_.empty() && levels_.back().array) ++levels_.back().index;
  }

  std::string origin_;
  std::vector<Level> levels_;
};

[[noreturn]] void file_error(const std::filesystem::path& path, const std::string& what) {
  throw ConfigError("", path.string() + ": cannot read the service set file: " + what);
}

std::string missing(const std::filesystem::path& path) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  if (path.is_absolute() || ec) return "no such file";
  return "no such file (looked for " + absolute.string() + ", relative to the working directory " +
         absolute.parent_path().string() + ")";
}

}  // namespace

std::string read_config_file(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) file_error(path, missing(path));
    file_error(path, std::strerror(errno));
  }
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::strerror(errno);
  } else if (S_ISDIR(st.st_mode)) {
    problem = "it is a directory (give the path of the JSON file in it)";
  } else if (!S_ISREG(st.st_mode)) {
    problem = "it is not a regular file (a FIFO, a device or a socket): give a JSON file";
  } else if (static_cast<std::size_t>(st.st_size) > kMaxFile) {
    problem = "it has " + std::to_string(st.st_size) + " bytes; a service set file has at most " +
              std::to_string(kMaxFile) + " (16 MiB)";
  }
  char buffer[65536];
  while (problem.empty()) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = std::strerror(errno);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxFile) problem = "it grew past 16 MiB while it was read";
  }
  ::close(fd);
  if (!problem.empty()) file_error(path, problem);
  return text;
}

nlohmann::json parse_json_text(std::string_view text, const std::string& origin) {
  RepeatedKeys keys(origin);
  try {
    return nlohmann::json::parse(
        text.begin(), text.end(),
        [&keys](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return keys(depth, event, parsed);
        });
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based: the position of the byte that made parsing fail.
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string reason = e.what();
    // Keep nlohmann's explanation, drop its "[json.exception.parse_error.101] parse error at...".
    if (auto colon = reason.find(": "); colon != std::string::npos)
      reason = reason.substr(colon + 2);
    throw ConfigError("", origin + ":" + std::to_string(line) + ":" + std::to_string(column) +
                              ": malformed JSON (line " + std::to_string(line) + ", column " +
                              std::to_string(column) + "): " + reason);
  }
}

}  // namespace mirakuru::detail
