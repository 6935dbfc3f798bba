// ${...} templates: the variable syntax of service sets.
//
// `${name}` is replaced by the resolver's value, `$$` is a literal `$`, and any other `$` is
// kept as is (so `$HOME` reaches the shell untouched).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mirakuru::detail {

struct TemplatePiece {
  bool variable = false;  // true: `text` is a variable name (what is between "${" and "}")
  std::string text;
};

// Throws ConfigError naming `path` on "${" without "}" or an empty "${}".
std::vector<TemplatePiece> parse_template(std::string_view text, const std::string& path);

// Returns the value of one variable (the text between the braces); throws ConfigError.
using Resolver = std::function<std::string(const std::string& name)>;

// What one string may grow to by expansion; beyond it expand() throws ConfigError.
inline constexpr std::size_t kMaxExpansion = std::size_t{1} << 20;

// Substitutes every variable (`"shell": true` commands use shell_script() instead).
std::string expand(std::string_view text, const std::string& path, const Resolver& resolve);

// A command string: split like a shell first (quotes, backslashes), then each variable is
// substituted inside its word, so a value holding spaces stays one argument.
// Throws ConfigError naming `path` on unbalanced quotes.
std::vector<std::string> expand_command_line(std::string_view text, const std::string& path,
                                             const Resolver& resolve);

// The variable names a template uses (for dependency bookkeeping and validation).
std::vector<std::string> template_variables(std::string_view text, const std::string& path);

}  // namespace mirakuru::detail
