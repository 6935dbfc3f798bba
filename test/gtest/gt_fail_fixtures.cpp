// Fixtures whose services fail to start (beta exits 3). Run by gt_runner_test, which expects
// every test of these fixtures to FAIL (not be skipped) without running its body, and the
// unrelated test to pass. Not a ctest test of its own (it fails on purpose).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "gt_support.hpp"
#include "mirakuru/gtest.hpp"

namespace {

std::string marker_dir() {
  const char* dir = std::getenv("GT_MARKER_DIR");  // NOLINT(concurrency-mt-unsafe): main thread
  return dir ? dir : "";
}

nlohmann::json failing(const std::string& prefix) {
  auto ok = mirakuru::gtest_test::server(prefix + "_ok", marker_dir());
  auto bad = mirakuru::gtest_test::server(prefix + "_bad", marker_dir(), 3);
  bad["depends_on"] = {prefix + "_ok"};
  return {{"services", {{prefix + "_ok", ok}, {prefix + "_bad", bad}}}};
}

class FailingSuite : public mirakuru::gtest::SuiteServices<FailingSuite> {
 public:
  static nlohmann::json ServicesConfig() { return failing("suite"); }
};

TEST_F(FailingSuite, First) { std::puts("BODY RAN"); }
TEST_F(FailingSuite, Second) { std::puts("BODY RAN"); }

class FailingPerTest : public mirakuru::gtest::ServiceTest {
 protected:
  FailingPerTest() : ServiceTest(failing("test")) {}
};

TEST_F(FailingPerTest, Body) { std::puts("BODY RAN"); }

class MissingFile : public mirakuru::gtest::ServiceTest {
 protected:
  MissingFile() : ServiceTest("/nonexistent/mirakuru/services.json") {}
};

TEST_F(MissingFile, Body) { std::puts("BODY RAN"); }

// Overrides SetUp without calling ServiceTest::SetUp(): the error must name the missing call.
class ForgetsBaseSetUp : public mirakuru::gtest::ServiceTest {
 protected:
  ForgetsBaseSetUp() : ServiceTest(failing("forgot")) {}
  void SetUp() override {}
};

TEST_F(ForgetsBaseSetUp, UsesServices) { services().port("forgot_ok"); }

TEST(Unaffected, Passes) { SUCCEED(); }

}  // namespace
