// Durations, signals and output modes as written in JSON.
#include "services/scalars.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

TEST(Duration, ParsesUnitsAndPlainMilliseconds) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("10s"), milliseconds(10'000));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("300"), milliseconds(300));
  EXPECT_EQ(duration_from_json(750, "/t"), milliseconds(750));
  EXPECT_EQ(duration_from_json("0s", "/t"), milliseconds(0));
}

TEST(Duration, RejectsGarbage) {
  for (const char* bad : {"", "s", "10 s", "10sec", "-5s", ".5s", "5.s", "1e3", "10S"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
  try {
    duration_from_json(-3, "/services/a/timeout");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/a/timeout");
    EXPECT_THAT(e.what(), HasSubstr("expected a duration (\"250ms\", \"10s\", \"2m\""));
    EXPECT_THAT(e.what(), HasSubstr("got -3"));
  }
  EXPECT_THROW(duration_from_json(true, "/t"), ConfigError);
}

TEST(Signal, ByNameOrNumber) {
  EXPECT_EQ(parse_signal("SIGINT"), SIGINT);
  EXPECT_EQ(parse_signal("INT"), SIGINT);
  EXPECT_EQ(parse_signal("sigterm"), SIGTERM);
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(parse_signal("SIGUSR2"), SIGUSR2);
  EXPECT_EQ(parse_signal("SIGNOPE"), std::nullopt);
  EXPECT_EQ(signal_from_json(2, "/s"), 2);
  EXPECT_EQ(signal_from_json("SIGHUP", "/s"), SIGHUP);
  EXPECT_THROW(signal_from_json(0, "/s"), ConfigError);
  EXPECT_THROW(signal_from_json(65, "/s"), ConfigError);
  try {
    signal_from_json("SIGFOO", "/services/a/stop_signal");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/services/a/stop_signal: expected a signal name"));
  }
}

TEST(Stdio, Modes) {
  EXPECT_EQ(stdio_from_json("capture", "/m"), Stdio::Capture);
  EXPECT_EQ(stdio_from_json("inherit", "/m"), Stdio::Inherit);
  EXPECT_EQ(stdio_from_json("null", "/m"), Stdio::Null);
  EXPECT_THROW(stdio_from_json("pipe", "/m"), ConfigError);
}

}  // namespace
}  // namespace mirakuru::detail
