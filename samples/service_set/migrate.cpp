// ./migrate --db PORT — the `setup` step of the sample's "api" service: brings the database to
// schema 3 before the API starts. Exits 0 on success, 1 with a message otherwise.
#include <cstdio>
#include <string>

#include "redis_wire.hpp"

int main(int argc, char** argv) {
  const auto db = sample::flag(argc, argv, "db");
  if (!db) {
    std::fprintf(stderr, "usage: migrate --db PORT\n");
    return 2;
  }
  const int port = std::stoi(*db);
  for (const char* key : {"visits", "schema_version"}) {
    const auto reply = sample::redis_command(port, {"DEL", key});
    if (!reply.ok) {
      std::fprintf(stderr, "migrate: %s\n", reply.value.c_str());
      return 1;
    }
  }
  const auto reply = sample::redis_command(port, {"SET", "schema_version", "3"});
  if (!reply.ok) {
    std::fprintf(stderr, "migrate: %s\n", reply.value.c_str());
    return 1;
  }
  std::printf("migrate: database on port %d is at schema 3\n", port);
  return 0;
}
