// Turning a failed spawn into a message that says what to do: the child only reports
// {stage, errno}; what the errno means for *this* program (a directory, a script whose
// interpreter is missing, a name too long) is found out here, in the runner, afterwards.
#include "process/spawn_failure_text.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "process/spawn.hpp"

namespace mirakuru::detail {
namespace {

// The first candidate the lookup could have executed: the path itself, or the first PATH entry
// that exists. Empty when none does.
std::string located(const SpawnRequest& request) {
  for (const std::string& candidate : path_candidates(request.argv.front(), request.path)) {
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0) return candidate;
  }
  return {};
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The interpreter named on a "#!" first line ("" when there is none).
std::string interpreter_of(const std::string& script) {
  std::ifstream in(script);
  std::string line;
  if (!std::getline(in, line) || line.rfind("#!", 0) != 0) return {};
  const auto begin = line.find_first_not_of(" \t", 2);
  if (begin == std::string::npos) return {};
  return line.substr(begin, line.find_first_of(" \t\r", begin) - begin);
}

std::string exec_hint(const SpawnRequest& request, int error) {
  const std::string& program = request.argv.front();
  const bool searched = program.find('/') == std::string::npos;
  if (error == ENAMETOOLONG) {
    return "the program's name or path is too long (" + std::to_string(program.size()) +
           " bytes; Linux takes at most 255 bytes per name and 4095 per path): shorten it";
  }
  if (error == E2BIG) return "the arguments and environment together are too large for exec";
  const std::string found = located(request);
  if (!found.empty() && is_directory(found)) {
    return "'" + found + "' is a directory, not a program; name the program inside it";
  }
  if (error == ENOENT && !found.empty()) {
    const std::string interpreter = interpreter_of(found);
    if (!interpreter.empty()) {
      return "'" + found + "' exists, but the interpreter its #! line names ('" + interpreter +
             "') was not found; install it or correct the #! line";
    }
    return "'" + found +
           "' exists, but the kernel could not find what it needs to run it (its "
           "ELF interpreter, e.g. a binary built for another system)";
  }
  if (error == ENOENT) {
    return "'" + program + "' was not found" +
           (searched ? " in PATH (" + request.path + "); install it or give its full path"
                     : "; check the path");
  }
  if (error == EACCES) return "'" + program + "' is not executable by this user; chmod +x it";
  if (error == ENOEXEC) return "'" + program + "' is not a binary nor a script with a #! line";
  return "see errno above";
}

}  // namespace

std::string describe_spawn_failure(const SpawnRequest& request, const SpawnFailure& failure) {
  const std::string stage = stage_name(failure.stage);
  std::string hint;
  if (failure.stage == SpawnStage::kChdir) {
    hint = "check that the directory '" + request.cwd + "' exists and is searchable";
  } else if (failure.stage == SpawnStage::kExec && !request.argv.empty()) {
    hint = exec_hint(request, failure.error);
  } else {
    hint = "see errno above";
  }
  return stage + " failed: " + std::generic_category().message(failure.error) + " (errno " +
         std::to_string(failure.error) + "); " + hint;
}

}  // namespace mirakuru::detail
