// Cheap pre-filtering of banner regexes: most lines of a chatty service cannot match, and
// std::regex costs tens of microseconds per line (milliseconds in debug builds) on the shared
// output thread.
#pragma once

#include <string>
#include <vector>

namespace mirakuru::detail {

// Text every match of the ECMAScript `pattern` must contain (the longest such run found by a
// conservative scan), or "" when none is known (top-level alternation, only classes...).
// A line without it cannot match, so regex_search can be skipped for that line.
std::string required_literal(const std::string& pattern);

// Texts of which every match contains at least one: {required_literal(p)} for a pattern without
// top-level alternation; one text per branch for "ready|listening" or "(ready|listening)".
// Empty when some branch has no required text.
std::vector<std::string> required_any(const std::string& pattern);

// The text itself when `pattern` has no regex meaning at all ("Ready to accept connections",
// "listening on 127\.0\.0\.1"): then a plain find() is the whole match. Else "".
std::string plain_text(const std::string& pattern);

}  // namespace mirakuru::detail
