// The regex engine for everything matched against service output (banners, HTTP status codes):
// RE2, which matches in time linear in the input and without recursion. Service output is
// untrusted: with a backtracking engine, one long line or one unlucky pattern ("(a+)+c") can
// overflow the output thread's stack or never return.
//
// Syntax: RE2's (github.com/google/re2/wiki/Syntax) — ECMAScript/Perl-like (\d \w \s \b, classes,
// (?:...), lazy quantifiers, (?i)) without backreferences or lookaround. Semantics: regex_search
// (a match anywhere in the line counts).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "executors/line_splitter.hpp"

namespace re2 {
class RE2;
}

namespace mirakuru::detail {

class LineRegex {
 public:
  // Throws std::invalid_argument naming `what` ("banner", "HTTP status"), the pattern and
  // RE2's reason when the pattern does not compile.
  LineRegex(const std::string& pattern, const std::string& what);
  ~LineRegex();
  LineRegex(LineRegex&&) noexcept;
  LineRegex& operator=(LineRegex&&) noexcept;

  const std::string& pattern() const;
  // A match anywhere in `text`.
  bool search(std::string_view text) const;
  // A match anywhere in the piece; "^", "$" and "\b" see the piece's context (line_splitter.hpp).
  bool search(const LinePiece& piece) const;

 private:
  std::unique_ptr<re2::RE2> re_;
  std::optional<std::string> literal_;  // the pattern is plain text: find() is the match
};

// RE2's reason why `pattern` does not compile, or "" when it does (for config checks that report
// the problem their own way).
std::string regex_error(const std::string& pattern);

}  // namespace mirakuru::detail
