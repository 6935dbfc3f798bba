// mirakuru/service_set.hpp — the services a test suite needs, described in JSON.
//
//   auto set = mirakuru::ServiceSet::from_file("services.json");
//   set.start();                 // dependencies first, independent services in parallel
//   int port = set.port("api");  // "port": "auto" is resolved at construction
//   set.stop();                  // reverse order; the destructor does it too
//
// The format is documented in docs/service-sets.md and docs/service-set.schema.json.
// Construction validates everything (ConfigError naming the JSON path) and starts nothing.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "mirakuru/simple_executor.hpp"

namespace mirakuru {

class ServiceSet {
 public:
  // Throws ConfigError (with the JSON path, and line/column for malformed JSON).
  // Relative paths in a file resolve against the file's directory (${config_dir}).
  static ServiceSet from_file(const std::filesystem::path& path);
  // `base_dir`: what relative paths resolve against (default: the current directory).
  static ServiceSet from_json(const nlohmann::json& config,
                              const std::filesystem::path& base_dir = {});
  static ServiceSet from_string(std::string_view text, const std::filesystem::path& base_dir = {});

  ServiceSet(ServiceSet&&) noexcept;
  ServiceSet& operator=(ServiceSet&&) noexcept;
  ~ServiceSet();  // stops everything still running; never throws

  // Starts every service in dependency order, independent ones in parallel. On a failure,
  // stops what had started and rethrows the failing executor's error type with
  // "service 'NAME': " at the front of what().
  ServiceSet& start();
  // Stops every running service, dependents first, in parallel where the graph allows.
  // Throws the first error (after stopping everything).
  ServiceSet& stop();
  bool running() const;  // every service is running

  // Endpoints: available from construction (ports are allocated then). Unknown name:
  // std::out_of_range naming the services that exist.
  int port(const std::string& name) const;
  int port(const std::string& name, const std::string& port_name) const;  // "ports": {...}
  std::string host(const std::string& name) const;
  std::string url(const std::string& name) const;  // http://HOST:PORT
  std::filesystem::path tmpdir(const std::string& name) const;
  SimpleExecutor& executor(const std::string& name);
  const SimpleExecutor& executor(const std::string& name) const;

  // Where the service's captured output is logged in full ($MIRAKURU_LOG_DIR, else
  // $TEST_UNDECLARED_OUTPUTS_DIR, else the working directory; unique per pid and shard).
  std::filesystem::path log_file(const std::string& name) const;

  // The endpoints of every service as JSON: {"NAME": {"port", "ports", "host", "url",
  // "tmpdir", "log_file"}}. A parent process publishes this so that a forked/re-executed
  // copy (a GoogleTest death test) can attach() to it.
  nlohmann::json endpoints() const;
  // A read-only view of services another process runs: port/host/url/tmpdir/log_file work;
  // start() and stop() do nothing (the owner starts and stops them); executor() throws
  // std::logic_error.
  static ServiceSet attach(const nlohmann::json& endpoints);
  bool attached() const;

  // Service names in start order (dependencies first).
  std::vector<std::string> names() const;
  std::size_t size() const;

  struct Impl;

 private:
  explicit ServiceSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirakuru
