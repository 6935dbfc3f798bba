// mirakuru/command.hpp — what to run.
//
// A Command is an argv vector. It is built either from the vector itself (exec'd directly, the
// program looked up in the child's PATH like execvp) or from one string split with POSIX shell
// quoting rules, like Python's shlex.split:
//
//   mirakuru::Command c = "redis-server --port 6379 --dir '/tmp/my dir'";
//   // c.argv == {"redis-server", "--port", "6379", "--dir", "/tmp/my dir"}
//
// Splitting understands single quotes, double quotes (with \" \\ \$ \` escapes), backslash
// escapes and comments are NOT stripped. An unbalanced quote throws std::invalid_argument
// naming the position. With Options::shell = true the command is instead joined back into one
// string and run through /bin/sh -c.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace mirakuru {

struct Command {
  Command(const char* line);                         // NOLINT(google-explicit-constructor)
  Command(std::string line);                         // NOLINT(google-explicit-constructor)
  Command(std::vector<std::string> argv);            // NOLINT(google-explicit-constructor)
  Command(std::initializer_list<std::string> argv);  // NOLINT(google-explicit-constructor)

  // The command as one readable line, each argument quoted only when needed (for messages,
  // logs and `shell = true`).
  std::string str() const;

  std::vector<std::string> argv;
  // The original string when built from one (what `shell = true` runs verbatim); empty when
  // built from a vector.
  std::string line;
};

// Splits `line` like a POSIX shell would split words (no expansion of any kind).
// Throws std::invalid_argument on an unterminated quote or a trailing backslash.
std::vector<std::string> split_command_line(std::string_view line);

// Quotes `arg` for a POSIX shell: unchanged when it only holds safe characters, else wrapped in
// single quotes.
std::string shell_quote(std::string_view arg);

}  // namespace mirakuru
