#include "executors/line_regex.hpp"

#include <re2/re2.h>

#include <cctype>
#include <cstring>
#include <stdexcept>

namespace mirakuru::detail {

namespace {

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error goes into the exception, not onto stderr
  return std::make_unique<re2::RE2>(pattern, options);
}

// The text itself when `pattern` has no regex meaning at all ("Ready to accept connections",
// "listening on 127\.0\.0\.1"), else nullopt. Most banners are such text: a find() then does
// the whole match, without RE2's per-search setup.
std::optional<std::string> literal_text(const std::string& pattern) {
  std::string text;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 >= pattern.size() || std::isalnum(static_cast<unsigned char>(pattern[i + 1]))) {
        return std::nullopt;  // \d, \b, \x41...
      }
      text += pattern[++i];
    } else if (std::strchr(".^$|?*+()[]{}", c) != nullptr) {
      return std::nullopt;
    } else {
      text += c;
    }
  }
  return text;
}

}  // namespace

LineRegex::LineRegex(const std::string& pattern, const std::string& what)
    : re_(compile(pattern)), literal_(literal_text(pattern)) {
  if (!re_->ok()) {
    throw std::invalid_argument("mirakuru: invalid " + what + " regex /" + pattern + "/: " +
                                re_->error() + " (RE2 syntax: no backreferences or lookaround)");
  }
  // RE2 builds its automaton lazily: pay for the first states now, not on the banner's line.
  re_->Match(re2::StringPiece(), 0, 0, re2::RE2::UNANCHORED, nullptr, 0);
}

LineRegex::~LineRegex() = default;
LineRegex::LineRegex(LineRegex&&) noexcept = default;
LineRegex& LineRegex::operator=(LineRegex&&) noexcept = default;

const std::string& LineRegex::pattern() const { return re_->pattern(); }

bool LineRegex::search(std::string_view text) const {
  if (literal_) return text.find(*literal_) != std::string_view::npos;
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool LineRegex::search(const LinePiece& piece) const {
  if (literal_) return piece.text().find(*literal_) != std::string_view::npos;
  // RE2 treats the text outside [begin, end) as context: "^" cannot match after a cut, "$"
  // cannot match before one.
  return re_->Match(re2::StringPiece(piece.context.data(), piece.context.size()), piece.begin,
                    piece.end, re2::RE2::UNANCHORED, nullptr, 0);
}

std::string regex_error(const std::string& pattern) {
  const auto re = compile(pattern);
  return re->ok() ? std::string() : re->error();
}

}  // namespace mirakuru::detail
