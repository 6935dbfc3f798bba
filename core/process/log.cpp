#include "process/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

namespace mirakuru::detail {

const std::shared_ptr<spdlog::logger>& logger() {
  // Reuse a logger the application registered under our name, so users can route our logs.
  static const std::shared_ptr<spdlog::logger> instance = [] {
    if (auto existing = spdlog::get("mirakuru")) return existing;
    auto created = spdlog::stderr_color_mt("mirakuru");
    const char* level = std::getenv("MIRAKURU_LOG");  // NOLINT(concurrency-mt-unsafe): once
    created->set_level(level && *level ? spdlog::level::from_str(level) : spdlog::level::warn);
    created->set_pattern("[%H:%M:%S.%e] [mirakuru] [%l] %v");
    return created;
  }();
  return instance;
}

}  // namespace mirakuru::detail
