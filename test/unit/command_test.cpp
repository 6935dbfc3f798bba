#include "mirakuru/command.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mirakuru {
namespace {

using Argv = std::vector<std::string>;

TEST(CommandSplit, SplitsLikeAPosixShell) {
  EXPECT_EQ(Command("echo 'a b' c").argv, (Argv{"echo", "a b", "c"}));
  EXPECT_EQ(Command("  sleep\t300  ").argv, (Argv{"sleep", "300"}));
  EXPECT_EQ(Command(R"(a "b \"c\" \$d \x" e\ f)").argv, (Argv{"a", R"(b "c" $d \x)", "e f"}));
  EXPECT_EQ(Command("x''y \"\"").argv, (Argv{"xy", ""}));
  EXPECT_EQ(Command("say 'it'\"'\"'s'").argv, (Argv{"say", "it's"}));
  EXPECT_EQ(Command("$HOME ~ *").argv, (Argv{"$HOME", "~", "*"}));  // no expansion
  EXPECT_TRUE(Command("").argv.empty());
}

TEST(CommandSplit, UnbalancedQuotesAreAClearError) {
  for (const char* line : {"echo 'oops", "echo \"oops", "echo oops\\"}) {
    try {
      Command c(line);
      ADD_FAILURE() << "no error for " << line;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("position"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(line), std::string::npos) << e.what();
    }
  }
}

TEST(CommandSplit, VectorAndInitializerListAreTakenAsIs) {
  EXPECT_EQ(Command(Argv{"a b", "c"}).argv, (Argv{"a b", "c"}));
  EXPECT_EQ((Command{"x", "'y'"}).argv, (Argv{"x", "'y'"}));
  EXPECT_TRUE(Command(Argv{"a"}).line.empty());
  EXPECT_EQ(Command("a  b").line, "a  b");
}

TEST(CommandSplit, StrQuotesOnlyWhenNeeded) {
  EXPECT_EQ(Command(Argv{"echo", "a b", "it's", "plain"}).str(), R"(echo 'a b' 'it'"'"'s' plain)");
  EXPECT_EQ(shell_quote(""), "''");
  // Quoting then splitting gives the argument back.
  for (std::string arg : {"a b", "it's", "$HOME", "\"q\"", "back\\slash", ""}) {
    EXPECT_EQ(split_command_line(shell_quote(arg)), Argv{arg}) << arg;
  }
}

}  // namespace
}  // namespace mirakuru
