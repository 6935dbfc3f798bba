#include "services/template.hpp"

#include <optional>
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

std::string expand(std::string_view text, const std::string& path, const Resolver& resolve) {
  std::string out;
  for (const auto& piece : parse_template(text, path)) {
    out += piece.variable ? resolve(piece.text) : piece.text;
    if (out.size() > kMaxExpansion) {
      config_error(path, "expands to more than " + std::to_string(kMaxExpansion >> 20) +
                             " MiB (variables that use other variables several times multiply "
                             "their size)");
    }
  }
  return out;
}

namespace {

// While the line is split, variable number N stands as kMark N kMark: no shell meaning, so the
// splitter moves it whole into its word. Input may hold kMark bytes too, so each of those is
// written as kMark 'L' kMark first: every kMark in the split words then opens one of our
// tokens, and no input can forge one.
constexpr char kMark = '\x01';
constexpr char kLiteral = 'L';

void encode_text(std::string_view text, std::string& out) {
  for (char c : text) {
    if (c == kMark) {
      out += kMark;
      out += kLiteral;
    }
    out += c;
  }
}

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
      encode_text(piece.text, encoded);
    }
  }
  std::vector<std::string> words;
  try {
    words = split_command_line(encoded);
  } catch (const std::invalid_argument& e) {
    config_error(path, std::string("cannot split the command line: ") + e.what());
  }
  std::vector<std::optional<std::string>> values(names.size());
  for (auto& word : words) {
    if (word.find(kMark) == std::string::npos) continue;
    std::string out;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (word[i] != kMark) {
        out += word[i];
        continue;
      }
      const std::size_t end = word.find(kMark, i + 1);
      const std::string token = word.substr(i + 1, end - i - 1);
      i = end;
      if (token == std::string(1, kLiteral)) {
        out += kMark;
        continue;
      }
      const std::size_t n = std::stoul(token);  // our own digits: see encode_text()
      if (!values.at(n)) values[n] = resolve(*names[n]);
      out += *values[n];
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
