// What single public headers provide on their own, as installed: <mirakuru/probe.hpp> declares
// all_of()/any_of() and the make_*_probe() factories (DESIGN.md), <mirakuru/gtest.hpp> makes
// nlohmann::json usable, and errors carry their fields (issue 15).
#include <chrono>
#include <memory>
#include <mirakuru/executor.hpp>
#include <mirakuru/gtest.hpp>
#include <mirakuru/probe.hpp>
#include <utility>
#include <vector>

TEST(ConsumerHeaders, ProbeHeaderProvidesTheFactoriesAndErrorsTheirFields) {
  std::vector<std::unique_ptr<mirakuru::Probe>> parts;
  parts.push_back(mirakuru::make_output_probe("never printed"));
  parts.push_back(mirakuru::make_file_probe("/nonexistent/mirakuru/consumer"));
  mirakuru::Executor ex("sh -c 'echo about to fail >&2; exit 3'",
                        mirakuru::any_of(std::move(parts)), {.timeout = std::chrono::seconds(10)});
  try {
    ex.start();
    FAIL() << "no error";
  } catch (const mirakuru::ProcessExitedWithError& e) {
    EXPECT_EQ(e.service(), "");
    EXPECT_EQ(e.cause().rfind("exited with code 3", 0), 0u) << e.cause();
    EXPECT_NE(e.output_tail().find("about to fail"), std::string::npos) << e.output_tail();
  }
}

TEST(ConsumerHeaders, GtestHeaderMakesJsonUsable) {
  const auto config = nlohmann::json::parse(R"({"services": {}})");
  EXPECT_TRUE(config["services"].is_object());
}
