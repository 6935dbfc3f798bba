// A service set's errors carry the failing service in ExecutorError::service(), the executor's
// cause without the "service 'NAME': " prefix, and the service's own output tail (issue 15,
// item 4); the set decides on those fields, not on what()'s wording.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// How many times the service ran: the lines it appended to `file`.
long runs_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

TEST(ServiceErrorFields, AFailedStartNamesTheServiceInItsField) {
  auto set = test::svc_set(R"({"services": {
    "db": {"command": "${vars.svc}"},
    "api": {"command": "sh -c 'echo cannot bind the socket >&2; exit 2'", "depends_on": ["db"],
            "ready": {"output": {"banner": "listening"}}}}})");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_EQ(e.service(), "api");
    EXPECT_THAT(e.cause(), StartsWith("exited with code 2 after "));
    EXPECT_THAT(e.cause(), Not(HasSubstr("service '")));
    EXPECT_THAT(e.output_tail(), HasSubstr("cannot bind the socket"));
    EXPECT_EQ(e.output_tail(), std::as_const(set).executor("api").output_tail());
    EXPECT_THAT(std::string(e.what()), StartsWith("service 'api': \"" + e.command() + "\" " +
                                                  e.cause() + "\n" + e.output_tail()));
  }
}

TEST(ServiceErrorFields, AFailedSetupCommandNamesItsService) {
  auto set = test::svc_set(R"({"services": {"cache": {"command": "${vars.svc} --banner warm",
    "setup": [["sh", "-c", "echo the schema is missing >&2; exit 4"]]}}})");
  try {
    set.start();
    FAIL() << "no error";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_EQ(e.service(), "cache");
    EXPECT_EQ(e.cause(), "setup command 1/1 exited with code 4 (setup commands must exit 0)");
    EXPECT_THAT(e.output_tail(), HasSubstr("the schema is missing"));
  }
}

TEST(ServiceErrorFields, AFailedStopNamesTheServiceInItsField) {
  auto set = test::svc_set(R"({"services": {"worker": {
    "command": ["sh", "-c", "trap 'exit 6' TERM; echo up; while :; do sleep 0.05; done"],
    "ready": {"output": {"banner": "up"}}}}})");
  set.start();
  try {
    set.stop();
    FAIL() << "no error";
  } catch (const ProcessFinishedWithError& e) {
    EXPECT_EQ(e.service(), "worker");
    EXPECT_EQ(e.exit_code(), 6);
    EXPECT_THAT(e.cause(), StartsWith("exited with code 6 (expected: "));
    EXPECT_THAT(e.output_tail(), HasSubstr("up"));
  }
}

// Only what the service printed says that its port was taken: the same words in its command
// line (which what() quotes) do not make the set retry it on another port.
TEST(ServiceErrorFields, PortInUseIsReadFromTheOutputNotFromTheMessage) {
  test::TempDir dir;
  auto config = test::with_svc(R"({"services": {"s": {
    "command": ["sh", "-c", "echo run >> ${vars.runs}; exit 3", "address already in use"],
    "port": "auto", "ready": {"tcp": {}}}}})");
  config["vars"]["runs"] = (dir / "runs").string();
  auto set = ServiceSet::from_json(config);
  try {
    set.start();
    FAIL() << "no error";
  } catch (const ProcessExitedWithError& e) {
    EXPECT_THAT(e.what(), HasSubstr("address already in use"));  // in the quoted command
    EXPECT_EQ(e.output_tail(), "");
  }
  EXPECT_EQ(runs_in(dir / "runs"), 1) << "retried on a new port";
}

}  // namespace
}  // namespace mirakuru
