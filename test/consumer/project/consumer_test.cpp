// One test with a real service, compiled against mirakuru as a user would.
#include <gtest/gtest.h>
#include <mirakuru/mirakuru.hpp>

#include <chrono>

TEST(Consumer, RunsAServiceAndCleansUp) {
  mirakuru::OutputExecutor service("sh -c 'echo service is up; exec sleep 300'", "is up",
                                   {.timeout = std::chrono::seconds(10)});
  service.start();
  ASSERT_TRUE(service.running());
  const pid_t pid = service.pid();
  service.stop();
  EXPECT_NE(::kill(pid, 0), 0);
}
