// The GoogleTest layer's pure helpers: output tails, exit descriptions, gtest_main's flags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include "logs.hpp"
#include "main_flags.hpp"
#include "report.hpp"
#include "test_support.hpp"

namespace {

using mirakuru::describe_returncode;
using mirakuru::gtest::detail::file_tail;
using mirakuru::gtest::detail::tail;
using mirakuru::gtest::detail::take_main_flags;

TEST(GtTail, KeepsTheLastLinesIndented) {
  EXPECT_EQ(tail("a\nb\nc\n", 2, "> "), "> b\n> c\n");
  EXPECT_EQ(tail("a\nb\nc", 5, ""), "a\nb\nc\n");
  EXPECT_EQ(tail("only", 1, ""), "only\n");
}

TEST(GtTail, EmptyInputsGiveNothing) {
  EXPECT_EQ(tail("", 3), "");
  EXPECT_EQ(tail("a\nb\n", 0), "");
}

TEST(GtTail, KeepsEmptyLines) { EXPECT_EQ(tail("a\n\nb\n", 3, ""), "a\n\nb\n"); }

TEST(GtTail, BoundsTheBytes) {
  std::string text = std::string(100, 'x') + "\nshort\n";
  EXPECT_EQ(tail(text, 10, "", 50), "short\n");
}

TEST(GtTail, ReadsOnlyTheEndOfAFile) {
  mirakuru::test::TempDir dir;
  auto file = dir / "log";
  {
    std::ofstream out(file);
    for (int i = 0; i < 100000; ++i) out << "line " << i << "\n";
  }
  EXPECT_EQ(file_tail(file, 2, ""), "line 99998\nline 99999\n");
  EXPECT_EQ(file_tail(dir / "missing", 2, ""), "");
}

TEST(GtDescribeExit, CodesAndSignals) {
  EXPECT_EQ(describe_returncode(0), "exited with code 0");
  EXPECT_EQ(describe_returncode(3), "exited with code 3");
  EXPECT_EQ(describe_returncode(-SIGKILL), "was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(describe_returncode(-SIGTERM), "was killed by signal 15 (SIGTERM)");
}

// argv as gtest_main sees it after InitGoogleTest (writable, null-terminated).
struct Argv {
  explicit Argv(std::vector<std::string> args) : strings(std::move(args)) {
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(strings.size());
  }
  std::vector<std::string> rest() const {
    return std::vector<std::string>(pointers.begin(), pointers.begin() + argc);
  }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  int argc;
};

TEST(GtMainFlags, TakesBothFormsAndLeavesTheRest) {
  Argv a({"prog", "--mirakuru_services=/a.json", "--gtest_color=no", "--mirakuru_services",
          "/b.json", "--mirakuru_log_tail=7", "positional"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  EXPECT_TRUE(flags.errors.empty());
  ASSERT_EQ(flags.service_files.size(), 2u);
  EXPECT_EQ(flags.service_files[0], "/a.json");
  EXPECT_EQ(flags.service_files[1], "/b.json");
  EXPECT_EQ(flags.log_tail, 7u);
  EXPECT_EQ(a.rest(), (std::vector<std::string>{"prog", "--gtest_color=no", "positional"}));
  EXPECT_EQ(a.pointers[static_cast<size_t>(a.argc)], nullptr);
  EXPECT_FALSE(flags.help);
}

TEST(GtMainFlags, EnvironmentListComesFirstWithoutDuplicates) {
  Argv a({"prog", "--mirakuru_services=/b.json"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), "/a.json::/b.json");
  ASSERT_EQ(flags.service_files.size(), 2u);
  EXPECT_EQ(flags.service_files[0], "/a.json");
  EXPECT_EQ(flags.service_files[1], "/b.json");
}

TEST(GtMainFlags, RelativePathsBecomeAbsolute) {
  Argv a({"prog", "--mirakuru_services=conf/s.json"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  ASSERT_EQ(flags.service_files.size(), 1u);
  EXPECT_TRUE(flags.service_files[0].is_absolute());
  EXPECT_EQ(flags.service_files[0].filename(), "s.json");
}

TEST(GtMainFlags, MalformedValuesAreErrors) {
  Argv a({"prog", "--mirakuru_services=", "--mirakuru_log_tail=x"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  EXPECT_EQ(flags.errors.size(), 2u);
  EXPECT_TRUE(flags.service_files.empty());
}

TEST(GtMainFlags, OtherFlagsAreLeftAlone) {
  Argv a({"prog", "--gtest_brief=1", "--mirakuru", "--help"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  EXPECT_TRUE(flags.service_files.empty());
  EXPECT_TRUE(flags.errors.empty());
  EXPECT_TRUE(flags.help);
  EXPECT_EQ(a.rest(),
            (std::vector<std::string>{"prog", "--gtest_brief=1", "--mirakuru", "--help"}));
}

TEST(GtMainFlags, UnknownMirakuruFlagsAreErrorsListingTheKnownOnes) {
  Argv a({"prog", "--mirakuru_service=/a.json", "--mirakuru_services_extra", "--gtest_brief=1"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  EXPECT_TRUE(flags.service_files.empty());
  ASSERT_EQ(flags.errors.size(), 2u);
  EXPECT_EQ(flags.errors[0],
            "unknown flag --mirakuru_service; the known ones are --mirakuru_services=FILE, "
            "--mirakuru_log_tail=N, --mirakuru_trace=FILE, --mirakuru_summary (see --help)");
  EXPECT_THAT(flags.errors[1], ::testing::StartsWith("unknown flag --mirakuru_services_extra;"));
  EXPECT_EQ(a.rest(), (std::vector<std::string>{"prog", "--gtest_brief=1"}));
}

TEST(GtMainFlags, TraceAndSummaryAreTakenOut) {
  Argv a({"prog", "--mirakuru_trace=/tmp/t.json", "--mirakuru_summary", "--gtest_brief=1",
          "--mirakuru_summaryx"});
  auto flags = take_main_flags(a.argc, a.pointers.data(), nullptr);
  ASSERT_TRUE(flags.trace.has_value());
  EXPECT_EQ(*flags.trace, "/tmp/t.json");
  EXPECT_TRUE(flags.summary);
  ASSERT_EQ(flags.errors.size(), 1u);  // --mirakuru_summaryx is no flag of ours
  EXPECT_THAT(flags.errors[0], ::testing::StartsWith("unknown flag --mirakuru_summaryx;"));
  EXPECT_EQ(a.rest(), (std::vector<std::string>{"prog", "--gtest_brief=1"}));
}

namespace keep {
using mirakuru::gtest::detail::finish_logs;
using mirakuru::gtest::detail::KeepLogs;
using mirakuru::gtest::detail::ServiceLogs;

// a.log has output, b.log is empty, c's log was never written.
struct Logs {
  Logs() {
    std::ofstream(a) << "ready\n";
    std::ofstream{b};
  }
  mirakuru::test::TempDir dir;
  std::filesystem::path a = dir.path() / "a.log", b = dir.path() / "b.log";
  ServiceLogs logs{{"a", a}, {"b", b}, {"c", dir.path() / "c.log"}};
};

TEST(GtKeepLogs, FailedKeepsTheNonEmptyLogsOfAFailedScope) {
  Logs l;
  EXPECT_EQ(finish_logs(l.logs, true, KeepLogs::Failed, "test T"),
            "[ mirakuru ] the logs of test T are kept (MIRAKURU_KEEP_LOGS=failed, a test "
            "failed):\n  a: " +
                l.a.string() + "\n");
  EXPECT_TRUE(std::filesystem::exists(l.a));
  EXPECT_FALSE(std::filesystem::exists(l.b));  // empty logs are not left around
}

TEST(GtKeepLogs, FailedRemovesTheLogsOfAScopeThatPassed) {
  Logs l;
  EXPECT_EQ(finish_logs(l.logs, false, KeepLogs::Failed, "test T"), "");
  EXPECT_FALSE(std::filesystem::exists(l.a));
  EXPECT_FALSE(std::filesystem::exists(l.b));
}

TEST(GtKeepLogs, AlwaysKeepsEveryLogAndNeverNone) {
  Logs l;
  EXPECT_THAT(finish_logs(l.logs, false, KeepLogs::Always, "test T"),
              ::testing::HasSubstr("(MIRAKURU_KEEP_LOGS=always):\n  a: "));
  EXPECT_TRUE(std::filesystem::exists(l.a));
  EXPECT_TRUE(std::filesystem::exists(l.b));
  EXPECT_EQ(finish_logs(l.logs, true, KeepLogs::Never, "test T"), "");
  EXPECT_FALSE(std::filesystem::exists(l.a));
  EXPECT_FALSE(std::filesystem::exists(l.b));
}
}  // namespace keep

}  // namespace
