// Sample 6 — one PostgreSQL for many test processes. gtest_discover_tests registers each TEST
// below as a ctest test of its own, run in its own process, side by side under `ctest -j`. None
// of them starts PostgreSQL: the CTest fixture `shared_postgres` (mirakuru_add_services in
// CMakeLists.txt) starts it once under a keeper, and MIRAKURU_ATTACH makes the global
// ServiceEnvironment of mirakuru::gtest_main attach to it. Each test works in a schema of its
// own, so the tests can share the database and still run in any order, in parallel.
#include <gtest/gtest.h>

#include <chrono>
#include <mirakuru/gtest.hpp>
#include <mirakuru/mirakuru.hpp>
#include <string>

namespace {

using namespace std::chrono_literals;

// One SQL script through psql over the cluster's unix socket: unaligned, tuples-only output.
std::string psql(const std::string& sql) {
  auto& set = mirakuru::gtest::services();
  mirakuru::SimpleExecutor client(
      {"psql", "--no-psqlrc", "--host", set.tmpdir("postgres").string(), "--port",
       std::to_string(set.port("postgres")), "--username", "postgres", "--dbname", "postgres",
       "--tuples-only", "--no-align", "--quiet", "--set", "ON_ERROR_STOP=1", "--command", sql},
      {.env_remove = {"PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"}});
  client.start();
  const auto code = client.wait(20s);
  EXPECT_EQ(code, 0) << sql << "\n" << client.err_output();
  return client.output();
}

// A schema named after the running test, fresh for it.
std::string own_schema() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("t_") + test->name();
  psql("DROP SCHEMA IF EXISTS " + name + " CASCADE; CREATE SCHEMA " + name);
  return name;
}

// Every test counts the rows it wrote; `n` differs per test so that a mix-up would show.
void write_and_count(int n) {
  const std::string schema = own_schema();
  psql("CREATE TABLE " + schema + ".items (id serial PRIMARY KEY, v int NOT NULL);" +
       "INSERT INTO " + schema + ".items (v) SELECT g FROM generate_series(1, " +
       std::to_string(n) + ") AS g");
  EXPECT_EQ(psql("SELECT count(*), sum(v) FROM " + schema + ".items"),
            std::to_string(n) + "|" + std::to_string(n * (n + 1) / 2) + "\n");
}

TEST(SharedPostgres, IsAttachedNotStarted) {
  auto& set = mirakuru::gtest::services();
  EXPECT_TRUE(set.attached()) << "run through ctest: the fixture sets MIRAKURU_ATTACH";
  EXPECT_EQ(psql("SHOW port"), std::to_string(set.port("postgres")) + "\n");
}
TEST(SharedPostgres, Writes1) { write_and_count(1); }
TEST(SharedPostgres, Writes2) { write_and_count(2); }
TEST(SharedPostgres, Writes3) { write_and_count(3); }
TEST(SharedPostgres, Writes5) { write_and_count(5); }
TEST(SharedPostgres, Writes8) { write_and_count(8); }
TEST(SharedPostgres, Writes13) { write_and_count(13); }
TEST(SharedPostgres, Writes21) { write_and_count(21); }
TEST(SharedPostgres, Writes34) { write_and_count(34); }
TEST(SharedPostgres, Writes55) { write_and_count(55); }
TEST(SharedPostgres, Writes89) { write_and_count(89); }
TEST(SharedPostgres, SeesTheOthersSchemas) {
  own_schema();
  EXPECT_NE(psql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'"), "0\n");
}

}  // namespace
