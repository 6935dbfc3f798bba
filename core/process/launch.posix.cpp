#include "process/launch.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>

#include "mirakuru/errors.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in any header

namespace mirakuru::detail {
namespace {

struct User {
  uid_t uid;
  gid_t gid;
  std::string home;
  std::vector<gid_t> groups;
};

User lookup_user(const std::string& command, const std::string& name) {
  long size_hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size_hint > 0 ? static_cast<std::size_t>(size_hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int error = 0;
  while ((error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
         ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) {
    const std::string why = "no such user on this machine (" +
                            std::generic_category().message(error ? error : ENOENT) +
                            "). Create it (useradd) or remove the `user` option.";
    throw SpawnError(command, error ? error : ENOENT, "getpwnam",
                     "cannot run '" + command + "' as user '" + name + "': " + why,
                     ErrorDetails{{}, "cannot run as user '" + name + "': " + why, {}});
  }
  User user{entry.pw_uid, entry.pw_gid, entry.pw_dir ? entry.pw_dir : "/", {}};
  int count = 32;
  user.groups.resize(static_cast<std::size_t>(count));
  while (::getgrouplist(name.c_str(), entry.pw_gid, user.groups.data(), &count) < 0) {
    user.groups.resize(static_cast<std::size_t>(count) * 2);
    count *= 2;
  }
  user.groups.resize(static_cast<std::size_t>(count));
  return user;
}

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw std::invalid_argument("mirakuru::Options::" + field + ": " + why);
}

void check_no_nul(const std::string& field, const std::string& value) {
  if (value.find('\0') != std::string::npos) {
    refuse(field, "'" + value.substr(0, value.find('\0')) +
                      "...' holds a NUL byte; the system would silently cut it there");
  }
}

void check_env_name(const std::string& field, const std::string& name) {
  if (name.empty()) refuse(field, "an environment variable name is empty");
  if (name.find('=') != std::string::npos) {
    refuse(field, "the environment variable name '" + name +
                      "' holds '=' (give the name as the key and the value as the value)");
  }
  check_no_nul(field, name);
}

void check_signal(const std::string& field, int sig) {
  if (sig < 1 || sig > SIGRTMAX) {
    refuse(field, std::to_string(sig) + " is not a signal (1 to " + std::to_string(SIGRTMAX) +
                      ", e.g. SIGTERM)");
  }
}

}  // namespace

void validate_options(const Options& options) {
  for (const auto& [name, value] : options.env) {
    check_env_name("env", name);
    check_no_nul("env", value);
  }
  for (const auto& name : options.env_remove) check_env_name("env_remove", name);
  check_signal("stop_signal", options.stop_signal);
  check_signal("kill_signal", options.kill_signal);
  check_no_nul("cwd", options.cwd.string());
  check_no_nul("log_file", options.log_file.string());
  check_no_nul("user", options.user);
}

SpawnRequest make_spawn_request(const Command& command, const Options& options) {
  SpawnRequest request;
  const std::string shown = command.str();
  if (options.shell) {
    const std::string script = !command.line.empty()      ? command.line
                               : command.argv.size() == 1 ? command.argv.front()
                                                          : shown;
    request.argv = {"/bin/sh", "-c", script};
  } else {
    request.argv = command.argv;
  }
  if (request.argv.empty() || request.argv.front().empty()) {
    throw SpawnError(shown, EINVAL, "argv",
                     "cannot start an empty command: give the program to run and its arguments");
  }

  std::map<std::string, std::string> env;
  if (options.inherit_env) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      const char* eq = std::strchr(*entry, '=');
      if (eq == nullptr) continue;
      env.emplace(std::string(*entry, static_cast<std::size_t>(eq - *entry)), std::string(eq + 1));
    }
  }
  for (const auto& name : options.env_remove) env.erase(name);

  if (!options.user.empty()) {
    User user = lookup_user(shown, options.user);
    if (user.uid != ::geteuid()) {
      if (::geteuid() != 0) {
        const std::string why =
            "only a runner started as root can switch users (this one runs as uid " +
            std::to_string(::geteuid()) + "). Run the tests as root, or drop the `user` option.";
        throw SpawnError(shown, EPERM, "setuid",
                         "cannot run '" + shown + "' as user '" + options.user + "': " + why,
                         ErrorDetails{{}, "cannot run as user '" + options.user + "': " + why, {}});
      }
      request.switch_user = true;
      request.uid = user.uid;
      request.gid = user.gid;
      request.groups = std::move(user.groups);
      env["HOME"] = user.home;
      env["USER"] = options.user;
      env["LOGNAME"] = options.user;
    }
  }
  for (const auto& [name, value] : options.env) env[name] = value;

  request.env.reserve(env.size());
  for (const auto& [name, value] : env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    request.env.push_back(std::move(entry));
  }
  auto path = env.find("PATH");
  request.path = path != env.end() ? path->second : "/usr/local/bin:/usr/bin:/bin";
  request.cwd = options.cwd.string();
  auto mode = [](Stdio stdio) {
    switch (stdio) {
      case Stdio::Capture:
        return StdioMode::Pipe;
      case Stdio::Inherit:
        return StdioMode::Inherit;
      case Stdio::Null:
        return StdioMode::Null;
    }
    return StdioMode::Pipe;
  };
  request.out = mode(options.stdout_mode);
  request.err = mode(options.stderr_mode);
  request.stop_signal = options.stop_signal;
  request.kill_signal = options.kill_signal;
  return request;
}

}  // namespace mirakuru::detail
