#include "services/template.hpp"

#include <stdexcept>

#include "mirakuru/command.hpp"
#include "services/json_reader.hpp"

namespace mirakuru::detail {

std::vector<TemplatePiece> parse_template(std::string_view text, const std::string& path) {
  std::vector<TemplatePiece> pieces;
  auto add_text = [&](std::string_view s) {
    if (s.empty()) return;
    if (pieces.empty() || pieces.back().variable) pieces.push_back({false, {}});
    pieces.back().text.append(s);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos || dollar + 1 >= text.size()) {
      add_text(text.substr(i));
      break;
    }
    add_text(text.substr(i, dollar - i));
    const char next = text[dollar + 1];
    if (next == '$') {
      add_text("$");
      i = dollar + 2;
    } else if (next == '{') {
      const std::size_t close = text.find('}', dollar + 2);
      if (close == std::string_view::npos) {
        config_error(path, "unterminated \"${\" at position " + std::to_string(dollar) + " of \"" +
                               std::string(text) + "\" (write $$ for a literal $)");
      }
      std::string name(text.substr(dollar + 2, close - dollar - 2));
      if (name.empty())
        config_error(path, "empty variable \"${}\" in \"" + std::string(text) + "\"");
      pieces.push_back({true, std::move(name)});
      i = close + 1;
    } else {
      add_text("$");
      i = dollar + 1;
    }
  }
  return pieces;
}

std::string expand(std::string_view text, const std::string& path, const Resolver& resolve,
                   bool quote) {
  std::string out;
  for (const auto& piece : parse_template(text, path)) {
    if (!piece.variable) {
      out += piece.text;
    } else if (quote) {
      out += shell_quote(resolve(piece.text));
    } else {
      out += resolve(piece.text);
    }
  }
  return out;
}

namespace {

// Stands for variable number N while the line is split: no shell meaning, never typed by users.
constexpr char kMark = '\x01';

}  // namespace

std::vector<std::string> expand_command_line(std::string_view text, const std::string& path,
                                             const Resolver& resolve) {
  const auto pieces = parse_template(text, path);
  std::string encoded;
  std::vector<const std::string*> names;
  for (const auto& piece : pieces) {
    if (piece.variable) {
      encoded += kMark + std::to_string(names.size()) + kMark;
      names.push_back(&piece.text);
    } else {
      encoded += piece.text;
    }
  }
  std::vector<std::string> words;
  try {
    words = split_command_line(encoded);
  } catch (const std::invalid_argument& e) {
    config_error(path, std::string("cannot split the command line: ") + e.what());
  }
  std::vector<std::string> values(names.size());
  std::vector<bool> resolved(names.size(), false);
  for (auto& word : words) {
    if (word.find(kMark) == std::string::npos) continue;
    std::string out;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (word[i] != kMark) {
        out += word[i];
        continue;
      }
      const std::size_t end = word.find(kMark, i + 1);
      const std::size_t n = std::stoul(word.substr(i + 1, end - i - 1));
      if (!resolved[n]) {
        values[n] = resolve(*names[n]);
        resolved[n] = true;
      }
      out += values[n];
      i = end;
    }
    word = std::move(out);
  }
  return words;
}

std::vector<std::string> template_variables(std::string_view text, const std::string& path) {
  std::vector<std::string> names;
  for (auto& piece : parse_template(text, path)) {
    if (piece.variable) names.push_back(std::move(piece.text));
  }
  return names;
}

}  // namespace mirakuru::detail
