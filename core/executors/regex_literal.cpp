#include "executors/regex_literal.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace mirakuru::detail {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Index just past the character class that starts at pattern[i] == '['.
std::size_t skip_class(const std::string& p, std::size_t i) {
  ++i;
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;  // a leading ']' is a member
  while (i < p.size() && p[i] != ']') i += p[i] == '\\' ? 2 : 1;
  return i < p.size() ? i + 1 : p.size();
}

// Index just past the group that starts at pattern[i] == '('.
std::size_t skip_group(const std::string& p, std::size_t i) {
  int depth = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '[') {
      i = skip_class(p, i);
    } else {
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return i + 1;
      ++i;
    }
  }
  return p.size();
}

bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

// Index just past the quantifier at pattern[i] (with a lazy '?' after it).
std::size_t skip_quantifier(const std::string& p, std::size_t i) {
  if (p[i] == '{') {
    auto close = p.find('}', i);
    i = close == std::string::npos ? p.size() : close + 1;
  } else {
    ++i;
  }
  if (i < p.size() && p[i] == '?') ++i;
  return i;
}

}  // namespace

std::string required_literal(const std::string& p) {
  std::vector<std::string> runs(1);
  auto cut = [&] {
    if (!runs.back().empty()) runs.emplace_back();
  };
  std::size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '|') return {};  // top-level alternation: no text is common to every match
    if (c == '(' || c == '[' || c == '.' || c == '^' || c == '$' ||
        (c == '\\' && i + 1 < p.size() && is_alnum(p[i + 1]))) {
      // Something that is not one fixed character: ends the run (and so does its quantifier).
      if (c == '(') {
        i = skip_group(p, i);
      } else if (c == '[') {
        i = skip_class(p, i);
      } else if (c == '\\') {
        i += 2;  // \d, \b, \x41, \u0041, \1...: the digits after some of them are not text
        while (i < p.size() && is_alnum(p[i])) ++i;
      } else {
        ++i;
      }
      cut();
      if (i < p.size() && is_quantifier(p[i])) i = skip_quantifier(p, i);
      continue;
    }
    if (is_quantifier(c)) return {};  // malformed; std::regex will have refused it anyway
    char literal = c;
    if (c == '\\') {
      if (i + 1 >= p.size()) return {};
      literal = p[i + 1];
      i += 2;
    } else {
      ++i;
    }
    if (i < p.size() && is_quantifier(p[i])) {
      // x? x* x{0,n} may be absent; x+ x{n} is there, but what follows may repeat it: either
      // way the run stops here, keeping x only when it must appear.
      const bool required = p[i] == '+' || (p[i] == '{' && i + 1 < p.size() && p[i + 1] != '0');
      if (required) runs.back() += literal;
      cut();
      i = skip_quantifier(p, i);
      continue;
    }
    runs.back() += literal;
  }
  std::string best;
  for (const auto& run : runs) {
    if (run.size() > best.size()) best = run;
  }
  return best;
}

std::vector<std::string> required_any(const std::string& pattern) {
  std::string p = pattern;
  // One group around everything: "(a|b)" or "(?:a|b)" means what its inside means.
  if (p.size() >= 2 && p.front() == '(' && skip_group(p, 0) == p.size() && p.back() == ')') {
    const std::size_t open = p.compare(0, 3, "(?:") == 0 ? 3 : 1;
    if (open == 3 || p[1] != '?') p = p.substr(open, p.size() - open - 1);
  }
  std::vector<std::string> branches(1);
  for (std::size_t i = 0; i < p.size();) {
    char c = p[i];
    std::size_t next = i + 1;
    if (c == '\\') next = i + 2;
    if (c == '[') next = skip_class(p, i);
    if (c == '(') next = skip_group(p, i);
    next = std::min(next, p.size());
    if (c == '|') {
      branches.emplace_back();
    } else {
      branches.back().append(p, i, next - i);
    }
    i = next;
  }
  std::vector<std::string> texts;
  for (const auto& branch : branches) {
    std::string text = required_literal(branch);
    if (text.empty()) return {};
    texts.push_back(std::move(text));
  }
  return texts;
}

std::string plain_text(const std::string& p) {
  static const char* const kSpecial = ".^$|?*+()[]{}";
  std::string text;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size() || is_alnum(p[i + 1])) return {};
      text += p[++i];
    } else if (std::strchr(kSpecial, c) != nullptr) {
      return {};
    } else {
      text += c;
    }
  }
  return text;
}

}  // namespace mirakuru::detail
