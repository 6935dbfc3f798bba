#include "mirakuru/command.hpp"

#include <stdexcept>
#include <utility>

namespace mirakuru {

namespace {

std::string describe_position(std::string_view line, std::size_t pos) {
  return "position " + std::to_string(pos) + " of \"" + std::string(line) + "\"";
}

}  // namespace

std::vector<std::string> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 >= line.size()) {
        throw std::invalid_argument("trailing backslash at " + describe_position(line, i));
      }
      if (line[i + 1] != '\n') word += line[i + 1];  // backslash-newline is a continuation
      ++i;
    } else if (c == '\'') {
      const std::size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        throw std::invalid_argument("unterminated single quote at " + describe_position(line, i));
      }
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= line.size()) {
          throw std::invalid_argument("unterminated double quote at " + describe_position(line, i));
        }
        if (line[j] == '"') break;
        // Inside double quotes a backslash only escapes these (POSIX 2.2.3).
        if (line[j] == '\\' && j + 1 < line.size() &&
            std::string_view("\"\\$`\n").find(line[j + 1]) != std::string_view::npos) {
          if (line[j + 1] != '\n') word += line[j + 1];
          ++j;
          continue;
        }
        word += line[j];
      }
      i = j;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string shell_quote(std::string_view arg) {
  if (arg.empty()) return "''";
  constexpr std::string_view kSafe =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_";
  if (arg.find_first_not_of(kSafe) == std::string_view::npos) return std::string(arg);
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

Command::Command(const char* line) : Command(std::string(line ? line : "")) {}

Command::Command(std::string line) : argv(split_command_line(line)), line(std::move(line)) {}

Command::Command(std::vector<std::string> argv) : argv(std::move(argv)) {}

Command::Command(std::initializer_list<std::string> argv) : argv(argv) {}

std::string Command::str() const {
  if (!line.empty()) return line;
  std::string joined;
  for (const auto& arg : argv) {
    if (!joined.empty()) joined += ' ';
    joined += shell_quote(arg);
  }
  return joined;
}

}  // namespace mirakuru
