// How the readiness executor tests check a start() that must fail: the error's type, what its
// message says, its exit code or timeout, and how long start() took to give up (a timeout is
// not cut short; an exit is reported at once, not at the timeout).
// Kept apart from executor_test_support.hpp, which the readiness benchmark includes without
// GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "executor_test_support.hpp"

namespace mirakuru::test {

// What a failed start() must show, on top of the error's type (start_fails<Error>).
struct StartFailure {
  std::vector<std::string> says;                     // each appears in what()
  std::optional<int> exit_code;                      // the error's exit_code()
  std::optional<std::chrono::milliseconds> timeout;  // the error's timeout()
  std::chrono::milliseconds at_least{0};             // start() took at least this long...
  std::optional<std::chrono::milliseconds> under;    // ...and less than this
};

// Calls ex.start(), which must throw Error as `expected` describes. Any other exception
// escapes to the test, which GoogleTest then fails with it. Use as
//   EXPECT_TRUE(start_fails<mirakuru::TimeoutExpired>(ex, {.says = {"..."}, .under = 3s}));
template <class Error, class Ex>
::testing::AssertionResult start_fails(Ex& ex, const StartFailure& expected) {
  Stopwatch sw;
  try {
    ex.start();
  } catch (const Error& e) {
    const auto took = sw.elapsed();
    const std::string what = e.what();
    std::string wrong;
    for (const auto& text : expected.says) {
      if (what.find(text) == std::string::npos) wrong += "\n  it does not say \"" + text + "\"";
    }
    if (expected.exit_code) {
      if constexpr (requires { e.exit_code(); }) {
        if (e.exit_code() != *expected.exit_code) {
          wrong += "\n  exit code " + std::to_string(e.exit_code()) + ", expected " +
                   std::to_string(*expected.exit_code);
        }
      } else {
        wrong += "\n  this error has no exit_code() to check";
      }
    }
    if (expected.timeout) {
      if constexpr (requires { e.timeout(); }) {
        if (e.timeout() != *expected.timeout) {
          wrong += "\n  timeout " + std::to_string(e.timeout().count()) + " ms, expected " +
                   std::to_string(expected.timeout->count()) + " ms";
        }
      } else {
        wrong += "\n  this error has no timeout() to check";
      }
    }
    if (took < expected.at_least) {
      wrong += "\n  start() gave up after " + std::to_string(took.count()) + " ms, before " +
               std::to_string(expected.at_least.count()) + " ms";
    }
    if (expected.under && took >= *expected.under) {
      wrong += "\n  start() took " + std::to_string(took.count()) + " ms, not under " +
               std::to_string(expected.under->count()) + " ms";
    }
    if (wrong.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "start() threw the expected type, but:" << wrong << "\nwhat(): " << what;
  }
  return ::testing::AssertionFailure() << "start() returned (ready) instead of throwing";
}

}  // namespace mirakuru::test
