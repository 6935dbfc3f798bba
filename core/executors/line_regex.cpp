#include "executors/line_regex.hpp"

#include <re2/re2.h>

#include <stdexcept>

namespace mirakuru::detail {

namespace {

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error goes into the exception, not onto stderr
  return std::make_unique<re2::RE2>(pattern, options);
}

}  // namespace

LineRegex::LineRegex(const std::string& pattern, const std::string& what) : re_(compile(pattern)) {
  if (!re_->ok()) {
    throw std::invalid_argument("mirakuru: invalid " + what + " regex /" + pattern + "/: " +
                                re_->error() + " (RE2 syntax: no backreferences or lookaround)");
  }
}

LineRegex::~LineRegex() = default;
LineRegex::LineRegex(LineRegex&&) noexcept = default;
LineRegex& LineRegex::operator=(LineRegex&&) noexcept = default;

const std::string& LineRegex::pattern() const { return re_->pattern(); }

bool LineRegex::search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool LineRegex::search(const LinePiece& piece) const {
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
