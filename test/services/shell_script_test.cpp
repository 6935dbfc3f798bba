// shell_script(): each ${...} becomes a reference in the form its quoting context needs; values
// only ever appear single-quoted in the prologue.
#include "services/shell_script.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

using ::testing::HasSubstr;

const Resolver kValues = [](const std::string& name) -> std::string {
  static const std::map<std::string, std::string> values{
      {"port", "5432"}, {"x", "$(id)"}, {"dir", "/tmp/my dir"}};
  return values.at(name);
};

std::string script(const std::string& text) { return shell_script(text, "/c", kValues); }

std::string error_of(const std::string& text) {
  try {
    script(text);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/c");
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << text;
  return {};
}

TEST(ShellScript, WithoutVariablesTheScriptIsUnchanged) {
  EXPECT_EQ(script("echo \"$HOME\" '$x' $$ $${port}"), "echo \"$HOME\" '$x' $ ${port}");
}

TEST(ShellScript, ReferencesFollowTheQuotingContext) {
  EXPECT_EQ(script("run ${x} \"${x}\" '${x}' --dir=${dir} ${x}"),
            "mirakuru_1='$(id)' mirakuru_2='/tmp/my dir'; run \"${mirakuru_1}\" \"${mirakuru_1}\" "
            "''\"${mirakuru_1}\"'' --dir=\"${mirakuru_2}\" \"${mirakuru_1}\"");
  EXPECT_EQ(script("a \"$(b '${x}' \"${x}\")\" `c ${x}` $${V:-${x}} \"$${V:-${x}}\""),
            "mirakuru_1='$(id)'; a \"$(b ''\"${mirakuru_1}\"'' \"${mirakuru_1}\")\" "
            "`c \"${mirakuru_1}\"` ${V:-\"${mirakuru_1}\"} \"${V:-${mirakuru_1}}\"");
}

TEST(ShellScript, CommentsAndHereDocumentsAreFollowed) {
  // The apostrophe in the comment opens no quote; the heredoc body is double-quote-like.
  EXPECT_EQ(script("true # it's\necho ${x}"),
            "mirakuru_1='$(id)'; true # it's\necho \"${mirakuru_1}\"");
  EXPECT_EQ(script("cat <<-EOF\n\tit's ${x}\n\tEOF\necho ${x}"),
            "mirakuru_1='$(id)'; cat <<-EOF\n\tit's ${mirakuru_1}\n\tEOF\necho \"${mirakuru_1}\"");
  EXPECT_EQ(script("cat <<'E'\n${port}\nE\necho '${port}'"),
            "mirakuru_1=5432; cat <<'E'\n5432\nE\necho ''\"${mirakuru_1}\"''");
  EXPECT_EQ(script("cat <<<${port}"), "mirakuru_1=5432; cat <<<\"${mirakuru_1}\"");
}

TEST(ShellScript, ArithmeticTakesIntegersOnly) {
  EXPECT_EQ(script("echo $(( ${port} + (1) )) ${port}"),
            "mirakuru_1=5432; echo $(( ${mirakuru_1} + (1) )) \"${mirakuru_1}\"");
  EXPECT_THAT(error_of("echo $((${x}))"), HasSubstr("is not an integer"));
}

TEST(ShellScript, RefusesWhatCannotBeMadeSafe) {
  EXPECT_THAT(error_of("echo \\${x}"), HasSubstr("a backslash stands right before ${x}"));
  EXPECT_THAT(error_of("cat <<'EOF'\n${x}\nEOF"), HasSubstr("write <<EOF instead"));
  EXPECT_THAT(error_of("cat <<${port}\nx\n5432"), HasSubstr("here-document's delimiter"));
}

}  // namespace
}  // namespace mirakuru::detail
