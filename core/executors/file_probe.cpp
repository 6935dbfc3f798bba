// Ready when a file (a pid file, a "ready" marker) exists, optionally with content.
#include <sys/stat.h>

#include <cerrno>

#include "mirakuru/probe.hpp"
#include "executors/messages.hpp"

namespace mirakuru {

namespace {

class FileProbe final : public Probe {
 public:
  FileProbe(std::filesystem::path path, bool require_content)
      : path_(std::move(path)), require_content_(require_content) {}

  bool occupied() override {
    struct stat st {};
    return ::stat(path_.c_str(), &st) == 0;
  }

  ProbeResult check() override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno == ENOENT) return ProbeResult::not_yet(path_.string() + " does not exist yet");
      return ProbeResult::not_yet(path_.string() + ": " + detail::errno_text(errno));
    }
    if (require_content_ && st.st_size == 0) {
      return ProbeResult::not_yet(path_.string() + " exists but is still empty");
    }
    return ProbeResult::ready();
  }

  std::string describe() const override {
    return (require_content_ ? "non-empty file " : "file ") + path_.string();
  }

  // A stat() costs the service nothing: ask as often as the Executor allows.
  std::optional<std::chrono::steady_clock::time_point> next_check() const override {
    return std::chrono::steady_clock::time_point::min();
  }

 private:
  std::filesystem::path path_;
  bool require_content_;
};

}  // namespace

std::unique_ptr<Probe> make_file_probe(std::filesystem::path file, bool require_content) {
  return std::make_unique<FileProbe>(std::move(file), require_content);
}

}  // namespace mirakuru
