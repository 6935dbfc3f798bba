// mirakuru/gtest.hpp — services for GoogleTest: for the whole run, per test suite, per test.
//
//   // The whole run (or link mirakuru::gtest_main and pass --mirakuru_services=services.json):
//   ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment("services.json"));
//   TEST(Api, Answers) { int port = mirakuru::gtest::services().port("api"); ... }
//
//   class ApiTest : public mirakuru::gtest::ServiceTest {            // per test
//    protected:
//     ApiTest() : ServiceTest("api.json") {}
//   };
//   class DbSuite : public mirakuru::gtest::SuiteServices<DbSuite> {  // once per test suite
//    public:
//     static std::string ServicesConfig() { return "db.json"; }
//   };
//   class CacheTest : public mirakuru::gtest::ServiceTest {          // described in C++
//    protected:
//     CacheTest()
//         : ServiceTest(mirakuru::SetDescription{
//               .services = {{"cache", {.command = "redis-server --port ${port}",
//                                       .port = mirakuru::auto_port,
//                                       .ready = mirakuru::ready::tcp()}}}}) {}
//   };
//   (Name the type SetDescription there: GCC 12 takes some designated lists, such as
//   {.services = {{"a", {.command = "x"}}}}, for a nlohmann::json too, and reports ambiguity.)
//   TEST_F(DbSuite, Query) { int port = services().port("db"); ... }
//
// Lifecycle: services start in Environment::SetUp / SetUp / SetUpTestSuite and stop in the
// matching TearDown — never in constructors or destructors (GoogleTest deletes environments
// during static destruction; the destructors here only release memory). A config is parsed
// when its scope is set up, so its errors are test failures too.
//
// Failures are GoogleTest failures, never crashes or hangs:
// - a global set that does not start is a fatal failure of the global set-up, and every test
//   of the run is reported FAILED without running (GoogleTest alone would report them SKIPPED,
//   which ctest counts as passed); the exit status is 1. A suite's set FAILs each test of the
//   suite; a test's set FAILs that test. The message holds the error, the failing service's output
//   tail and the log paths. Whatever had started is stopped again.
// - a service that exits while tests run fails the test running at that moment (or the next
//   one), naming the service, its exit code or signal and its output tail. One that dies between
//   two tests fails the next one, naming both ("between two tests: after A ended, before B
//   started"); one that dies after the scope's last test fails the environment's (or suite's)
//   tear-down. A launcher that exits 0 inside start() because it daemonized is not a death. A
//   test that stops a service on purpose uses executor(NAME).stop()/kill()/stopped() (not
//   signal()), which the check recognises.
// - a service that turns unhealthy ("health" in the JSON: `failures` failed checks in a row) is
//   reported the same way, naming it, the failed checks and what the last one saw; once each
//   time it turns unhealthy.
// - when a test fails, the last log_tail_lines() lines of every running service's log are
//   printed with it, with the full log paths.
// Each service's port and log file are recorded with RecordProperty ("mirakuru.NAME.port",
// "mirakuru.NAME.log") at the scope's level, so they appear in --gtest_output=xml/json.
//
// GoogleTest machinery:
// - an empty shard (GTEST_TOTAL_SHARDS) or a --gtest_filter that selects nothing starts no
//   global service;
// - --gtest_repeat: global sets start once, or once per iteration with
//   --gtest_recreate_environments_when_repeating (new ports each time);
// - death tests: in a death-test child (--gtest_internal_run_death_test, the "threadsafe" style
//   re-executes the binary) nothing is started or stopped; services() is a read-only view of
//   the parent's services (ports, hosts, urls; executor() throws), which the parent publishes
//   in the environment variable MIRAKURU_GTEST_ENDPOINTS. Global environments are matched by
//   registration order, so register them the same way on every run of main().
//
// Threads: everything here is called from GoogleTest's main thread; services() may be called
// from any thread while its scope is set up.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <typeinfo>

// The full nlohmann::json, not json_fwd.hpp, on purpose: the fixtures take a nlohmann::json, and
// tests written against this header build it with nlohmann::json::parse() without including
// the library themselves (the README's example does). Only this header includes it; the core's
// headers use json_fwd.hpp.
#include <nlohmann/json.hpp>

#include "mirakuru/internal/suite_services.hpp"  // not API: what the SuiteServices template needs
#include "mirakuru/service_set.hpp"

namespace mirakuru::gtest {

// A global environment owning one ServiceSet for the whole run. Register it with
// ::testing::AddGlobalTestEnvironment (which takes ownership); several may be registered and
// start in registration order. Construction does no I/O and never throws.
class ServiceEnvironment : public ::testing::Environment {
 public:
  // A service-set JSON file; relative paths inside resolve against its directory.
  explicit ServiceEnvironment(std::filesystem::path config_file);
  explicit ServiceEnvironment(const char* config_file);
  explicit ServiceEnvironment(const std::string& config_file);
  // A service-set document; relative paths resolve against `base_dir` (default: the cwd).
  explicit ServiceEnvironment(const nlohmann::json& config, std::filesystem::path base_dir = {});
  // A C++ description (mirakuru/service_description.hpp); `base_dir` as above.
  explicit ServiceEnvironment(SetDescription description, std::filesystem::path base_dir = {});
  // A ready (not started) set; it is started and stopped, and reused on every repeat.
  explicit ServiceEnvironment(ServiceSet set);
  ~ServiceEnvironment() override;  // stops nothing, never throws (see the lifecycle note)

  // Starts the services, records their ports and log paths and publishes their endpoints.
  // Any error becomes a fatal GoogleTest failure (and each test then fails without running). Does
  // nothing when no test of this run (shard, filter) will run, and only attaches in a death-test
  // child.
  void SetUp() override;
  // Stops the services; an error (e.g. an unexpected exit code) becomes a GoogleTest failure.
  void TearDown() override;

  // This environment's set. Throws std::logic_error outside SetUp..TearDown or when nothing
  // was started (empty shard, failed start).
  ServiceSet& services();

 private:
  std::size_t index_;  // registration order: the key a death-test child finds its parent's by
  std::unique_ptr<detail::Scope> scope_;
};

// The set of the first registered ServiceEnvironment (in a death-test child: the read-only
// view of the parent's). Throws std::logic_error when there is none or it is not set up.
ServiceSet& services();
// The set of the `index`-th registered ServiceEnvironment (0-based, registration order).
ServiceSet& services(std::size_t index);

// How many lines of each service's log are printed when a test fails (default 20, or
// $MIRAKURU_LOG_TAIL; 0 prints only the log paths). Call before RUN_ALL_TESTS.
void set_log_tail_lines(std::size_t lines);
std::size_t log_tail_lines();

// A fixture whose services start before each test (in SetUp) and stop after it (in TearDown):
// every test gets fresh processes, ports and ${tmpdir}s. A fixture that overrides SetUp or
// TearDown must call ServiceTest::SetUp() first / ServiceTest::TearDown() last.
class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(std::filesystem::path config_file);
  explicit ServiceTest(const char* config_file);
  explicit ServiceTest(const std::string& config_file);
  explicit ServiceTest(const nlohmann::json& config, std::filesystem::path base_dir = {});
  explicit ServiceTest(SetDescription description, std::filesystem::path base_dir = {});
  explicit ServiceTest(ServiceSet set);
  ~ServiceTest() override;

  // Starts the services (a failure is a fatal failure of the test: its body does not run).
  void SetUp() override;
  // Checks that no service died during the test, prints the log tails if the test failed,
  // then stops the services.
  void TearDown() override;

  // The test's set. Throws std::logic_error before SetUp / after a failed start.
  ServiceSet& services();

 private:
  std::unique_ptr<detail::Scope> scope_;
};

// A fixture whose services start once per test suite (SetUpTestSuite) and stop after its last
// test (TearDownTestSuite). `Derived` provides
//   static std::string ServicesConfig();   // a JSON file path (std::filesystem::path works too)
// or returns a nlohmann::json document, a mirakuru::SetDescription or a (not started)
// ServiceSet; it is called at each
// SetUpTestSuite, so every suite run gets fresh ports.
// A failed start FAILs every test of the suite with the error (the test bodies do not run;
// GoogleTest would otherwise skip them silently).
// The state is static per Derived: a suite deriving from a SuiteServices fixture starts and
// stops the same kind of set around its own run (suites never run interleaved, even with
// --gtest_shuffle). A suite that redefines SetUpTestSuite or TearDownTestSuite must call these.
template <typename Derived>
class SuiteServices : public ::testing::Test {
 public:
  static void SetUpTestSuite() { detail::SuiteHooks::set_up(scope()); }
  static void TearDownTestSuite() { detail::SuiteHooks::tear_down(scope()); }

  // The suite's set. Throws std::logic_error outside the suite's run or after a failed start.
  static ServiceSet& services() { return detail::SuiteHooks::services(scope()); }

 protected:
  SuiteServices() {
    // In the constructor rather than SetUp: a fixture overriding SetUp cannot skip the check.
    detail::SuiteHooks::fail_if_not_started(scope());
  }

 private:
  static detail::Scope& scope() { return detail::SuiteHooks::scope(typeid(Derived).name(), &make); }
  static ServiceSet make() { return detail::make_set(Derived::ServicesConfig()); }
};

}  // namespace mirakuru::gtest
