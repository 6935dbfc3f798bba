// "shell": true: a value from ${vars.*}, ${env.*} or ${tmpdir} never becomes shell syntax,
// bare, inside "..." or inside '...' (issue 16, item 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "mirakuru/errors.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::ScopedEnv;

// Each payload tries to create a file in the service's working directory.
const char* const kPayloads[] = {"$(touch pwned)", "`touch pwned`", "x\"; touch pwned; \"",
                                 "x'; touch pwned; '", "x\\\" $(touch pwned) \\\""};

// Runs `command` ("shell": true) in `dir` with ${vars.x} = value and $MK_PAYLOAD = value;
// returns what it printed.
std::string run_shell(const fs::path& dir, const std::string& command, const std::string& value) {
  ScopedEnv env("MK_PAYLOAD", value);
  nlohmann::json config;
  config["vars"]["x"] = value;
  config["services"]["a"] = {{"command", command}, {"shell", true}, {"cwd", dir.string()}};
  auto set = ServiceSet::from_json(config);
  set.start();
  const auto code = set.executor("a").wait(20s);
  EXPECT_EQ(code, std::optional<int>(0)) << set.executor("a").err_output();
  std::string out = set.executor("a").output();
  set.stop();
  return out;
}

TEST(ShellInjection, VariablesInEveryQuotingContextStayData) {
  const std::string command =
      R"(printf '<%s>\n' ${vars.x} "${vars.x}" '${vars.x}' --opt="${env.MK_PAYLOAD}" )"
      R"sh('${env.MK_PAYLOAD}' "$(printf '%s' "${vars.x}")" "pre ${vars.x} post")sh";
  for (const std::string value : kPayloads) {
    test::TempDir dir;
    const std::string out = run_shell(dir.path(), command, value);
    const std::string line = "<" + value + ">\n";
    EXPECT_EQ(out, line + line + line + "<--opt=" + value + ">\n" + line + line + "<pre " + value +
                       " post>\n")
        << value;
    EXPECT_FALSE(fs::exists(dir / "pwned")) << "the payload ran: " << value;
  }
}

TEST(ShellInjection, HereDocumentsAndBackticks) {
  const std::string command = "cat <<EOF\n[${vars.x}]\nEOF\necho \"`printf '%s' \"${vars.x}\"`\"";
  for (const std::string value : kPayloads) {
    test::TempDir dir;
    EXPECT_EQ(run_shell(dir.path(), command, value), "[" + value + "]\n" + value + "\n") << value;
    EXPECT_FALSE(fs::exists(dir / "pwned")) << "the payload ran: " << value;
  }
}

// A quoted here-document cannot take a reference: plain values go in as they are, the rest is
// refused with a way out.
TEST(ShellInjection, QuotedHereDocumentsTakePlainValuesOnly) {
  test::TempDir dir;
  EXPECT_EQ(run_shell(dir.path(), "cat <<'EOF'\nport ${vars.x} $HOME\nEOF", "5432"),
            "port 5432 $HOME\n");
  try {
    run_shell(dir.path(), "cat <<'EOF'\n${vars.x}\nEOF", "$(touch pwned)");
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/a/command");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("write <<EOF instead"));
  }
  try {
    run_shell(dir.path(), "cat <<'EOF'\n${vars.x}\nEOF\necho after", "EOF");
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("forms its delimiter line"));
  }
  EXPECT_FALSE(fs::exists(dir / "pwned"));
}

// ${tmpdir} carries whatever $TEST_TMPDIR holds.
TEST(ShellInjection, TmpdirUnderAHostileTestTmpdir) {
  for (const std::string name : {"$(touch pwned)", "`touch pwned`", "a'b\"c"}) {
    test::TempDir root;
    test::TempDir cwd;
    fs::create_directory(root / name);
    ScopedEnv env("TEST_TMPDIR", (root / name).string());
    nlohmann::json config;
    config["services"]["a"] = {
        {"command", R"(cd "${tmpdir}" && printf '<%s>\n' "$PWD" '${tmpdir}' ${tmpdir})"},
        {"shell", true},
        {"cwd", cwd.path().string()}};
    auto set = ServiceSet::from_json(config);
    const std::string tmpdir = set.tmpdir("a").string();
    ASSERT_NE(tmpdir.find(name), std::string::npos) << tmpdir;
    set.start();
    ASSERT_EQ(set.executor("a").wait(20s), std::optional<int>(0)) << set.executor("a").err_output();
    const std::string line = "<" + tmpdir + ">\n";
    EXPECT_EQ(set.executor("a").output(), line + line + line);
    set.stop();
    EXPECT_FALSE(fs::exists(cwd / "pwned"));
    EXPECT_FALSE(fs::exists(root / name / "pwned"));
  }
}

}  // namespace
}  // namespace mirakuru
