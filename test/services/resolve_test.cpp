// Variable scope of one service: every variable the format documents, without processes.
#include "services/resolve.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mirakuru/errors.hpp"

namespace mirakuru::detail {
namespace {

using ::testing::HasSubstr;

class Scope : public ::testing::Test {
 protected:
  Scope() {
    set_.config_dir = "/etc/conf";
    set_.vars["dsn"] = {"pg://${services.db.host}:${services.db.port}/x", "/vars/dsn"};
    set_.vars["mine"] = {"${name}:${port}", "/vars/mine"};
    ServiceSpec db;
    db.name = "db";
    ServiceSpec api;
    api.name = "api";
    set_.services = {api, db};
    endpoints_.resize(2);
    endpoints_[0] = {8080, {{"grpc", 9090}}, "127.0.0.1", "/tmp/mk-1/api", "/logs/api.log"};
    endpoints_[1] = {5432, {}, "::1", "/tmp/mk-1/db", "/logs/db.log"};
  }
  std::string resolve(const std::string& name) {
    VariableScope scope(set_, endpoints_, 0);
    return scope.resolve(name, "/services/api/command");
  }
  SetSpec set_;
  std::vector<ServiceEndpoint> endpoints_;
};

TEST_F(Scope, OwnEndpoints) {
  EXPECT_EQ(resolve("port"), "8080");
  EXPECT_EQ(resolve("ports.grpc"), "9090");
  EXPECT_EQ(resolve("host"), "127.0.0.1");
  EXPECT_EQ(resolve("url"), "http://127.0.0.1:8080");
  EXPECT_EQ(resolve("tmpdir"), "/tmp/mk-1/api");
  EXPECT_EQ(resolve("log_file"), "/logs/api.log");
  EXPECT_EQ(resolve("name"), "api");
  EXPECT_EQ(resolve("config_dir"), "/etc/conf");
}

TEST_F(Scope, OtherServicesAndIpv6Urls) {
  EXPECT_EQ(resolve("services.db.port"), "5432");
  EXPECT_EQ(resolve("services.db.url"), "http://[::1]:5432");
  EXPECT_EQ(resolve("services.db.tmpdir"), "/tmp/mk-1/db");
  EXPECT_EQ(resolve("services.api.ports.grpc"), "9090");
  VariableScope scope(set_, endpoints_, 0);
  scope.resolve("vars.dsn", "/p");
  EXPECT_EQ(scope.referenced(), (std::set<std::size_t>{1}));  // db, through a var
}

TEST_F(Scope, VarsExpandWhereTheyAreUsed) {
  EXPECT_EQ(resolve("vars.dsn"), "pg://::1:5432/x");
  EXPECT_EQ(resolve("vars.mine"), "api:8080");
  VariableScope db(set_, endpoints_, 1);
  EXPECT_EQ(db.resolve("vars.mine", "/p"), "db:5432");
}

TEST_F(Scope, Environment) {
  ::setenv("MK_RESOLVE_TEST", "set", 1);
  EXPECT_EQ(resolve("env.MK_RESOLVE_TEST"), "set");
  EXPECT_EQ(resolve("env.MK_RESOLVE_TEST:-other"), "set");
  ::unsetenv("MK_RESOLVE_TEST");
  EXPECT_EQ(resolve("env.MK_RESOLVE_TEST:-other value"), "other value");
  EXPECT_EQ(resolve("env.MK_RESOLVE_TEST:-"), "");
  EXPECT_THROW(resolve("env.MK_RESOLVE_TEST"), ConfigError);
}

TEST_F(Scope, UnknownNamesSuggest) {
  try {
    resolve("services.db.prot");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/api/command");
    EXPECT_THAT(e.what(), HasSubstr("(did you mean \"services.db.port\"?)"));
  }
  EXPECT_THROW(resolve("ports.http"), ConfigError);
  EXPECT_THROW(resolve("services.nope.port"), ConfigError);
  EXPECT_THROW(resolve("PORT"), ConfigError);
}

}  // namespace
}  // namespace mirakuru::detail
