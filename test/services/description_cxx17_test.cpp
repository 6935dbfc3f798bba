// <mirakuru/service_description.hpp> needs only C++17: this file is compiled with
// CXX_STANDARD 17 (CMakeLists.txt), filling the fields by assignment where C++20 code uses
// designated initializers. Nothing is started.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "mirakuru/service_set.hpp"

namespace mirakuru {
namespace {

TEST(DescriptionCxx17, FieldsFilledByAssignmentBuildTheSet) {
  static_assert(__cplusplus < 202002L, "this test checks the C++17 spelling");
  ServiceDescription db;
  db.command = "server --port ${port} --name ${vars.who}";
  db.port = auto_port;
  db.ready = ready::all_of({ready::tcp(), ready::output("listening")});
  db.health.check = ready::tcp();
  db.options.timeout = std::chrono::seconds(10);
  db.options.env["PORT"] = "${port}";
  SetDescription description;
  description.vars["who"] = "db";
  description.services["db"] = db;

  auto set = ServiceSet::from_description(description);
  EXPECT_GT(set.port("db"), 0);
  const std::string port = std::to_string(set.port("db"));
  EXPECT_EQ(set.executor("db").command().argv,
            (std::vector<std::string>{"server", "--port", port, "--name", "db"}));
  EXPECT_EQ(set.executor("db").options().env.at("PORT"), port);
  EXPECT_EQ(set.executor("db").options().timeout, std::chrono::seconds(10));
}

}  // namespace
}  // namespace mirakuru
