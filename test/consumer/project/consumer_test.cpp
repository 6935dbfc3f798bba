// Tests with real services, compiled against mirakuru as a user would.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mirakuru/gmock.hpp>
#include <mirakuru/gtest.hpp>
#include <mirakuru/mirakuru.hpp>
#include <nlohmann/json.hpp>

TEST(Consumer, RunsAServiceAndCleansUp) {
  mirakuru::OutputExecutor service("sh -c 'echo service is up; exec sleep 300'", "is up",
                                   {.timeout = std::chrono::seconds(10)});
  service.start();
  ASSERT_TRUE(service.running());
  const pid_t pid = service.pid();
  service.stop();
  EXPECT_NE(::kill(pid, 0), 0);
}

// <mirakuru/gmock.hpp>: mirakuru::gtest brings GoogleMock along, in every way of consuming it.
TEST(Consumer, MatchesWhatAProcessPrints) {
  using namespace mirakuru::testing;
  mirakuru::SimpleExecutor job("sh -c 'echo migrated 3 tables; exit 0'");
  job.start();
  EXPECT_THAT(job, EventuallyOutputs(R"(migrated \d+ tables)", std::chrono::seconds(10)));
  ASSERT_TRUE(job.wait(std::chrono::seconds(10)));
  EXPECT_THAT(job, ExitedWith(0));
  EXPECT_THAT(job, ::testing::Not(IsRunning()));
}

// An HTTP service on an auto port, asked through the test's own cpp-httplib client.
class WebTest : public mirakuru::gtest::ServiceTest {
 protected:
  WebTest()
      : ServiceTest(nlohmann::json::parse(R"({"services": {"web": {
          "command": ["python3", "-m", "http.server", "--bind", "127.0.0.1",
                      "--directory", "${tmpdir}", "${port}"],
          "port": "auto",
          "ready": {"http": {"url": "http://127.0.0.1:${port}/", "method": "GET"}},
          "timeout": "20s"}}})")) {}
};

// The directory listing of the http.server at `url`, through our own client.
void expect_directory_listing(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  auto response = client.Get("/");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("Directory listing"), std::string::npos) << response->body;
}

TEST_F(WebTest, AnswersAnHttplibClient) { expect_directory_listing(services().url("web")); }

// The same service described in C++ (<mirakuru/service_description.hpp>) instead of JSON.
class DescribedWebTest : public mirakuru::gtest::ServiceTest {
 protected:
  DescribedWebTest()
      : ServiceTest(mirakuru::SetDescription{
            .services = {{"web",
                          {.command = {"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                       "--directory", "${tmpdir}", "${port}"},
                           .port = mirakuru::auto_port,
                           .ready = mirakuru::ready::http("${url}/", {.method = "GET"}),
                           .options = {.timeout = std::chrono::seconds(20)}}}}}) {}
};

TEST_F(DescribedWebTest, AnswersAnHttplibClient) {
  EXPECT_EQ(services().executor("web").command().argv.at(0), "python3");
  expect_directory_listing(services().url("web"));
}
