#include "services/scratch.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "process/log.hpp"

namespace mirakuru::detail {

namespace {

// BASE/mk-XXXXXX/<service, up to 24>/<socket name, ~20> must stay under 108 bytes.
constexpr std::size_t kMaxBase = 50;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only
  return v ? std::string(v) : std::string();
}

}  // namespace

std::filesystem::path make_set_tmpdir() {
  std::string base = env_or_empty("TEST_TMPDIR");
  if (base.empty()) base = env_or_empty("TMPDIR");
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (base.empty() || base.size() > kMaxBase) base = "/tmp";
  std::string tmpl = base + "/mk-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create a temporary directory " + tmpl);
  }
  return tmpl;
}

void make_directory(const std::filesystem::path& dir, std::filesystem::perms mode) {
  if (::mkdir(dir.c_str(), 0700) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create " + dir.string());
  }
  // chmod, not mkdir's mode: the umask must not decide what the service may do.
  if (::chmod(dir.c_str(), static_cast<mode_t>(mode)) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot chmod " + dir.string());
  }
}

void make_private_directories(const std::filesystem::path& dir) {
  std::filesystem::path prefix;
  for (const auto& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(), "cannot create " + prefix.string());
    }
  }
}

std::filesystem::path log_dir() {
  for (const char* name : {"MIRAKURU_LOG_DIR", "TEST_UNDECLARED_OUTPUTS_DIR"}) {
    std::string dir = env_or_empty(name);
    if (!dir.empty()) return dir;
  }
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path(".") : cwd;
}

std::string log_file_name(const std::string& service, unsigned set_sequence) {
  std::string name = "mk-" + service + "-p" + std::to_string(::getpid());
  const std::string shard = env_or_empty("GTEST_SHARD_INDEX");
  if (!shard.empty()) name += "-s" + shard;
  return name + "-" + std::to_string(set_sequence) + ".log";
}

void give_to_user(const std::filesystem::path& dir, const std::string& user) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    throw std::system_error(rc ? rc : ENOENT, std::generic_category(),
                            "unknown user \"" + user + "\"");
  }
  if (::chown(dir.c_str(), found->pw_uid, found->pw_gid) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot give " + dir.string() + " to user \"" + user +
                                "\" (running as another user needs root)");
  }
}

void remove_tree(const std::filesystem::path& dir) noexcept {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) logger()->warn("could not remove {}: {}", dir.string(), ec.message());
}

KeepTmpdirs keep_tmpdirs_setting() {
  const std::string value = env_or_empty("MIRAKURU_KEEP_TMPDIRS");
  if (value.empty() || value == "never") return KeepTmpdirs::Never;
  if (value == "failed") return KeepTmpdirs::Failed;
  if (value == "always") return KeepTmpdirs::Always;
  throw std::invalid_argument("MIRAKURU_KEEP_TMPDIRS=\"" + value +
                              "\": expected \"never\" (the default), \"failed\" or \"always\"");
}

}  // namespace mirakuru::detail
