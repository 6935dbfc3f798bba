// main() of mirakuru::gtest_main: GoogleTest's gtest_main plus --mirakuru_services (and the
// other --mirakuru_* flags).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "keeper_attach.hpp"
#include "main_flags.hpp"
#include "mirakuru/cleanup.hpp"
#include "mirakuru/gtest.hpp"
#include "mirakuru/timeline.hpp"
#include "timeline_listener.hpp"

int main(int argc, char** argv) {
  // The runner has threads (the output pump); GoogleTest's "fast" death tests fork it as is.
  // An explicit --gtest_death_test_style or GTEST_DEATH_TEST_STYLE still wins.
  if (std::getenv("GTEST_DEATH_TEST_STYLE") == nullptr) {  // NOLINT(concurrency-mt-unsafe)
#ifdef GTEST_FLAG_SET
    GTEST_FLAG_SET(death_test_style, "threadsafe");
#else
    ::testing::GTEST_FLAG(death_test_style) = "threadsafe";
#endif
  }
  ::testing::InitGoogleTest(&argc, argv);

  auto flags = mirakuru::gtest::detail::take_main_flags(
      argc, argv, std::getenv("MIRAKURU_SERVICES"));  // NOLINT(concurrency-mt-unsafe)
  if (flags.help) std::fputs(mirakuru::gtest::detail::main_flags_help(), stdout);
  if (!flags.errors.empty()) {
    for (const auto& error : flags.errors) std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  if (flags.log_tail) mirakuru::gtest::set_log_tail_lines(*flags.log_tail);
  if (flags.trace) mirakuru::timeline::enable_trace(*flags.trace);
  if (flags.summary) mirakuru::timeline::enable_summary();
  mirakuru::gtest::detail::ensure_timeline_listener();
  // MIRAKURU_ATTACH alone (a CTest fixture's tests) is the set to attach to.
  auto attach = mirakuru::gtest::detail::attach_file();
  if (flags.service_files.empty() && attach) flags.service_files.push_back(*attach);
  for (const auto& file : flags.service_files) {
    ::testing::AddGlobalTestEnvironment(new mirakuru::gtest::ServiceEnvironment(file));
  }

  // Ctrl-C or a CI timeout's SIGTERM stops the services gracefully before the runner dies.
  try {
    mirakuru::install_termination_handler();
  } catch (const std::exception& e) {
    // The guardians still kill every service when the runner dies; only grace is lost.
    std::fprintf(stderr, "mirakuru: no graceful SIGINT/SIGTERM handling: %s\n", e.what());
  }
  return RUN_ALL_TESTS();
}
