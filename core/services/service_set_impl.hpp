// The state behind mirakuru::ServiceSet, shared by its construction and lifecycle files.
#pragma once

#include <sys/types.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mirakuru/service_set.hpp"
#include "process/termination_dirs.hpp"
#include "services/graph.hpp"
#include "services/ports.hpp"
#include "services/resolve.hpp"
#include "services/spec.hpp"

namespace mirakuru {
namespace detail {
class KeeperLease;  // core/cli/keeper_lease.hpp
}  // namespace detail

struct ServiceSet::Impl {
  ~Impl();  // stops what runs (only in the owning process) and removes the scratch directory

  bool attached = false;           // a read-only view of another process's services
  pid_t owner = -1;                // the process that may start, stop and clean up
  std::vector<std::string> names;  // in start order (attached: as published)

  detail::SetSpec spec;
  detail::DependencyGraph graph;
  std::vector<detail::ServiceEndpoint> endpoints;            // by index in spec.services
  std::vector<std::vector<detail::PortReservation>> leases;  // the auto ports, held
  std::vector<detail::ResolvedService> resolved;
  std::vector<bool> failed;          // keep its tmpdir for inspection
  std::vector<std::string> markers;  // MIRAKURU_SERVICE values (interrupt.hpp)
  std::filesystem::path scratch;     // the set's "mk-XXXXXX" directory
  // Removes `scratch` if the termination handler ends the runner (no destructor runs then).
  // A member, so it unregisters only after ~Impl's body has stopped everything and removed
  // the directory itself: the runner may be interrupted during that stop.
  detail::CleanupRegistration scratch_cleanup;
  std::mutex mutex;  // endpoints/resolved while start() may re-port
  // attach_running(): the lease on the keeper that runs the services (null otherwise).
  std::shared_ptr<detail::KeeperLease> keeper;

  std::size_t index(const std::string& name) const;  // std::out_of_range naming the services
  const detail::ServiceEndpoint& endpoint(const std::string& name) const;
};

namespace detail {

// Builds a ready-to-start set: ports reserved, tmpdirs created, every executor resolved.
std::unique_ptr<ServiceSet::Impl> build_service_set(const nlohmann::json& config,
                                                    const std::filesystem::path& base_dir);

// Reserves fresh auto ports for service i and re-resolves it and the services in `also`.
void reassign_auto_ports(ServiceSet::Impl& impl, std::size_t i,
                         const std::vector<std::size_t>& also);

// start()/stop() of the whole set (lifecycle.cpp).
void start_services(ServiceSet::Impl& impl);
// A service whose stop() fails keeps its tmpdir when `mark_failures`.
void stop_services(ServiceSet::Impl& impl, bool rethrow, bool mark_failures = true);

// Runs service i's setup commands in order; throws ProcessExitedWithError / TimeoutExpired /
// SpawnError naming the command and showing its output.
void run_setup(const ResolvedService& service);

// Rethrows `error` as the same type with "service 'NAME': " in front and `note` after.
[[noreturn]] void rethrow_for_service(const std::exception_ptr& error, const std::string& name,
                                      const std::string& note);

}  // namespace detail
}  // namespace mirakuru
