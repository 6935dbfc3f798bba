#include "services/shell_script.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "mirakuru/command.hpp"
#include "services/json_reader.hpp"

namespace mirakuru::detail {

namespace {

// Where the shell reads the character being looked at. The lexer only has to be right for
// scripts a person writes: a wrong guess changes the form of a reference (so perhaps the
// result), never lets a value be read as syntax — except for inline insertion into a quoted
// here-document, which is therefore limited to characters that are syntax nowhere.
enum class Ctx {
  Plain,          // unquoted: the script's top level, inside $(...) or backticks
  Single,         // '...'
  Double,         // "..."
  Backtick,       // `...`
  Subst,          // $(...)
  Arith,          // $((...))
  Brace,          // ${...} unquoted
  QuotedBrace,    // ${...} inside double quotes or a here-document
  Comment,        // # to the end of the line
  Heredoc,        // the body of <<EOF: expansions happen, quotes are plain characters
  QuotedHeredoc,  // the body of <<'EOF': nothing happens
  Delimiter,      // the word after <<
};

struct Frame {
  Ctx ctx;
  int depth = 0;  // Subst/Arith: parentheses open inside
};

struct Heredoc {
  std::string delimiter;
  bool quoted = false;
  bool strip_tabs = false;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Ends a word in the shell's grammar (and so the delimiter after <<).
bool ends_word(char c) {
  return is_blank(c) || c == '\n' || std::string_view(";&|<>()").find(c) != std::string_view::npos;
}

bool plain_value(std::string_view value) {
  constexpr std::string_view kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_";
  return value.find_first_not_of(kPlain) == std::string_view::npos;
}

bool integer_value(std::string_view value) {
  if (!value.empty() && value.front() == '-') value.remove_prefix(1);
  return !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos;
}

class ShellLexer {
 public:
  void feed(std::string_view text) {
    for (char c : text) step(c);
  }

  Ctx context() const { return delimiter_ ? Ctx::Delimiter : stack_.back().ctx; }
  bool escaped() const { return escape_; }

  // Text inserted for a variable: part of a word and of the current here-document line.
  void inserted(std::string_view text) {
    dollar_ = false;
    subst_opened_ = false;
    prev_ = 'x';
    if (in_heredoc()) {
      line_ += text;
      line_has_value_ = true;
    }
  }

  // True when the here-document line just finished would have ended the body because of an
  // inserted value (checked at each line's end).
  bool value_ended_heredoc() const { return value_ended_heredoc_; }

 private:
  Frame& top() { return stack_.back(); }
  void push(Ctx ctx) { stack_.push_back({ctx}); }
  void pop() {
    if (stack_.size() > 1) stack_.pop_back();
  }
  bool in_heredoc() const {
    return stack_.back().ctx == Ctx::Heredoc || stack_.back().ctx == Ctx::QuotedHeredoc;
  }
  // Double-quote-like: no word splitting, quotes (mostly) plain characters.
  bool quoted() const {
    const Ctx c = stack_.back().ctx;
    return c == Ctx::Double || c == Ctx::QuotedBrace || c == Ctx::Heredoc;
  }

  void step(char c) {
    if (delimiter_) {
      read_delimiter(c);
      return;
    }
    if (in_heredoc()) heredoc_line(c);
    switch (top().ctx) {
      case Ctx::Single:
        if (c == '\'') pop();
        break;
      case Ctx::Comment:
        if (c == '\n') {
          pop();
          step(c);  // the newline may start a here-document body
          return;
        }
        break;
      case Ctx::QuotedHeredoc:
        break;
      default:
        code(c);
    }
    prev2_ = prev_;
    prev_ = c;
  }

  void code(char c) {
    if (std::exchange(escape_, false)) return;
    const bool dollar = std::exchange(dollar_, false);
    const bool opened = std::exchange(subst_opened_, false);
    if (dollar && c == '(') {
      push(Ctx::Subst);
      subst_opened_ = true;
      return;
    }
    if (dollar && c == '{') return push(quoted() ? Ctx::QuotedBrace : Ctx::Brace);
    if (opened && c == '(') {
      top() = {Ctx::Arith, 1};  // the "))" that ends it closes this parenthesis first
      return;
    }
    if (c == '\\') {
      escape_ = true;
      return;
    }
    if (c == '$') {
      dollar_ = true;
      return;
    }
    if (c == '`') return top().ctx == Ctx::Backtick ? pop() : push(Ctx::Backtick);
    const Ctx ctx = top().ctx;
    if ((ctx == Ctx::Brace || ctx == Ctx::QuotedBrace) && c == '}') return pop();
    if (c == '"' && ctx != Ctx::Heredoc) return ctx == Ctx::Double ? pop() : push(Ctx::Double);
    if (quoted()) return;
    if (c == '\'') return push(Ctx::Single);
    if (ctx == Ctx::Subst || ctx == Ctx::Arith) {
      if (c == '(') ++top().depth;
      if (c == ')' && top().depth-- == 0) return pop();
    }
    if (c == '#' && (ends_word(prev_) || prev_ == 0)) return push(Ctx::Comment);
    if (c == '<' && prev_ == '<' && prev2_ != '<') {
      delimiter_ = true;
      pending_word_.clear();
      word_quote_ = 0;
      word_started_ = false;
      next_ = {};
    }
    if (c == '\n' && !pending_.empty()) start_heredoc();
  }

  // The word after "<<" (quotes removed; any quoting makes the body literal).
  void read_delimiter(char c) {
    if (!word_started_) {
      if (c == '<' && pending_word_.empty() && !next_.strip_tabs) {  // "<<<": bash's here-string
        delimiter_ = false;
        prev_ = c;
        return;
      }
      if (c == '-' && !next_.strip_tabs) {
        next_.strip_tabs = true;
        return;
      }
      if (is_blank(c)) return;
      word_started_ = true;
    }
    if (word_escape_) {
      word_escape_ = false;
      pending_word_ += c;
      return;
    }
    if (word_quote_ != 0) {
      if (c == word_quote_) {
        word_quote_ = 0;
      } else {
        pending_word_ += c;
      }
      return;
    }
    if (ends_word(c)) {
      delimiter_ = false;
      next_.delimiter = pending_word_;
      if (!next_.delimiter.empty()) pending_.push_back(next_);
      prev_ = 'x';
      step(c);
      return;
    }
    if (c == '\'' || c == '"' || c == '\\') {
      next_.quoted = true;
      if (c == '\\') {
        word_escape_ = true;
      } else {
        word_quote_ = c;
      }
      return;
    }
    pending_word_ += c;
  }

  void start_heredoc() {
    current_ = pending_.front();
    pending_.pop_front();
    push(current_.quoted ? Ctx::QuotedHeredoc : Ctx::Heredoc);
    line_.clear();
    line_has_value_ = false;
  }

  void heredoc_line(char c) {
    if (c != '\n') {
      line_ += c;
      return;
    }
    std::string_view line = line_;
    if (current_.strip_tabs)
      line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
    if (line == current_.delimiter) {
      value_ended_heredoc_ = value_ended_heredoc_ || line_has_value_;
      pop();  // the newline then starts the next pending body, if any
    }
    line_.clear();
    line_has_value_ = false;
  }

  std::vector<Frame> stack_{{Ctx::Plain}};
  bool escape_ = false;
  bool dollar_ = false;
  bool subst_opened_ = false;  // "$(" just read: one more "(" makes it arithmetic
  char prev_ = 0;
  char prev2_ = 0;
  // Here-documents: the one being read, the ones whose bodies follow the next newline.
  bool delimiter_ = false;
  bool word_started_ = false;
  bool word_escape_ = false;
  char word_quote_ = 0;
  std::string pending_word_;
  Heredoc next_;
  std::deque<Heredoc> pending_;
  Heredoc current_;
  std::string line_;
  bool line_has_value_ = false;
  bool value_ended_heredoc_ = false;
};

// What stands for ${var} (held by the shell variable `ref`) in context `ctx`.
std::string insertion(Ctx ctx, const std::string& var, const std::string& value,
                      const std::string& ref, const std::string& path) {
  auto refuse = [&](const std::string& where, const std::string& why) {
    config_error(path, var + " stands " + where + ", and its value \"" + value + "\" " + why);
  };
  switch (ctx) {
    case Ctx::Single:
      return "'\"" + ref + "\"'";
    case Ctx::Double:
    case Ctx::QuotedBrace:
    case Ctx::Heredoc:
    case Ctx::Comment:
      return ref;
    case Ctx::Arith:
      if (!integer_value(value)) {
        refuse("inside $((...)), where a shell may evaluate its text", "is not an integer");
      }
      return ref;
    case Ctx::QuotedHeredoc:
      if (!plain_value(value)) {
        refuse("inside a quoted here-document (<<'EOF'), which the shell reads literally",
               "holds characters other than A-Za-z0-9@%+=:,./_-: write <<EOF instead (${...} "
               "then works as inside double quotes)");
      }
      return value;
    case Ctx::Delimiter:
      config_error(path, var + " cannot be a here-document's delimiter");
    default:
      return "\"" + ref + "\"";
  }
}

}  // namespace

std::string shell_script(std::string_view text, const std::string& path, const Resolver& resolve) {
  ShellLexer lexer;
  std::string body;
  std::string prologue;
  std::map<std::string, std::string> references;  // variable -> shell variable name
  for (const auto& piece : parse_template(text, path)) {
    if (!piece.variable) {
      lexer.feed(piece.text);
      body += piece.text;
      continue;
    }
    const std::string var = "${" + piece.text + "}";
    const std::string value = resolve(piece.text);
    if (lexer.escaped()) {
      config_error(path, "a backslash stands right before " + var +
                             ": remove it (the value is inserted as data either way), or write "
                             "$$ for a literal $");
    }
    auto [it, added] =
        references.emplace(piece.text, "mirakuru_" + std::to_string(references.size() + 1));
    if (added) prologue += it->second + "=" + shell_quote(value) + " ";
    const std::string ref = "${" + it->second + "}";
    const std::string insert = insertion(lexer.context(), var, value, ref, path);
    lexer.inserted(insert);
    body += insert;
  }
  lexer.feed("\n");  // ends a last here-document line
  if (lexer.value_ended_heredoc()) {
    config_error(path, "a value inserted into a quoted here-document forms its delimiter line");
  }
  if (prologue.empty()) return body;
  prologue.back() = ';';
  return prologue + " " + body;
}

}  // namespace mirakuru::detail
