// ${...} templates: substitution, $$, bare $, command splitting.
#include "services/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Resolver kValues = [](const std::string& name) -> std::string {
  static const std::map<std::string, std::string> values{
      {"port", "5432"}, {"dir", "/tmp/my dir"}, {"quote", "it's"}, {"empty", ""}};
  auto it = values.find(name);
  if (it == values.end()) throw ConfigError("/x", "unknown " + name);
  return it->second;
};

TEST(Template, SubstitutesVariablesOnly) {
  EXPECT_EQ(expand("--port ${port} $HOME $$ ${dir}", "/x", kValues),
            "--port 5432 $HOME $ /tmp/my dir");
  EXPECT_EQ(expand("$${port} costs $$5 $", "/x", kValues), "${port} costs $5 $");
  EXPECT_EQ(expand("", "/x", kValues), "");
}

TEST(Template, UnterminatedAndEmptyVariablesAreConfigErrors) {
  try {
    expand("--port ${port", "/services/a/command", kValues);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/a/command");
    EXPECT_THAT(e.what(), HasSubstr("unterminated \"${\""));
  }
  EXPECT_THROW(expand("${}", "/x", kValues), ConfigError);
}

TEST(Template, CommandLineIsSplitBeforeSubstitution) {
  EXPECT_THAT(expand_command_line("server --dir ${dir} --name 'a b' x${port}y", "/x", kValues),
              ElementsAre("server", "--dir", "/tmp/my dir", "--name", "a b", "x5432y"));
  EXPECT_THAT(expand_command_line("echo \"${dir}/sub\" ${empty}", "/x", kValues),
              ElementsAre("echo", "/tmp/my dir/sub", ""));
}

// The splitter's internal marks cannot be forged by the input (issue 16, item 6): such bytes
// are kept as they are, wherever they stand.
TEST(Template, MarkerBytesInTheInputAreKeptAsTheyAre) {
  const std::string mark(1, '\x01');
  EXPECT_THAT(expand_command_line("a" + mark + "5" + mark + " b" + mark + "x" + mark + " ${port} " +
                                      mark + " '" + mark + "L" + mark + "'" + mark + "99999",
                                  "/x", kValues),
              ElementsAre("a" + mark + "5" + mark, "b" + mark + "x" + mark, "5432", mark,
                          mark + "L" + mark + mark + "99999"));
  EXPECT_THAT(expand_command_line(mark + "0" + mark + "${dir}" + mark, "/x", kValues),
              ElementsAre(mark + "0" + mark + "/tmp/my dir" + mark));
}

TEST(Template, DefaultsWithSpacesStayInOneWord) {
  const Resolver echo = [](const std::string& name) { return "<" + name + ">"; };
  EXPECT_THAT(expand_command_line("run ${env.X:-a b c} end", "/x", echo),
              ElementsAre("run", "<env.X:-a b c>", "end"));
}

TEST(Template, UnbalancedQuotesNameThePath) {
  try {
    expand_command_line("run 'oops", "/services/b/command", kValues);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/b/command");
    EXPECT_THAT(e.what(), HasSubstr("unterminated single quote"));
  }
}

TEST(Template, ListsVariables) {
  EXPECT_THAT(template_variables("a ${x} $$ ${y.z} $w", "/x"), ElementsAre("x", "y.z"));
}

}  // namespace
}  // namespace mirakuru::detail
