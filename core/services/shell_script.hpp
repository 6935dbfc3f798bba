// The script a `"shell": true` command runs, built so that no value can become shell syntax.
//
// A value is never pasted into the script. Each ${...} becomes a reference to a shell variable
// (`"${mirakuru_1}"`) that a prologue assigns from the value single-quoted:
//
//   "cd \"${tmpdir}\" && echo '${vars.x}' ${port}"
//   -> mirakuru_1='/tmp/mk-a1b2c3/db' mirakuru_2='$(rm -rf ~)' mirakuru_3=5432; cd "${mirakuru_1}"
//      && echo ''"${mirakuru_2}"'' "${mirakuru_3}"
//
// A parameter expansion's result is never parsed again for $(...), backticks or quotes, so
// wherever the reference stands the value stays data. The form of the reference follows the
// quoting context it stands in (a lexer follows quotes, $(...), ${...}, backticks, comments and
// here-documents): `"${v}"` unquoted (one word, no globbing), `${v}` inside double quotes, the
// single quotes closed and reopened around `"${v}"` inside single quotes. Two places cannot
// take a reference and are checked instead: arithmetic $((...)) (some shells evaluate a
// variable's text there) takes integers only, and a quoted here-document (<<'EOF') takes only
// values of plain characters ([A-Za-z0-9@%+=:,./_-]) inserted as they are. Scripts that
// evaluate text themselves (eval, sh -c "$x") are the script's business.
#pragma once

#include <string>
#include <string_view>

#include "services/template.hpp"

namespace mirakuru::detail {

// Throws ConfigError naming `path` for a malformed template, a variable the resolver rejects,
// a backslash right before ${...}, a non-integer value inside $((...)), or a value a quoted
// here-document cannot hold.
std::string shell_script(std::string_view text, const std::string& path, const Resolver& resolve);

}  // namespace mirakuru::detail
