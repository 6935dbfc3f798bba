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
#include "services/health_monitor.hpp"
#include "services/ports.hpp"
#include "services/resolve.hpp"
#include "services/scratch.hpp"
#include "services/spec.hpp"

namespace mirakuru {
namespace detail {
class KeeperLease;  // core/cli/keeper_lease.hpp
}  // namespace detail

struct ServiceSet::Impl {
  ~Impl();  // stops what runs (only in the owning process) and removes the tmpdirs

  bool attached = false;           // a read-only view of another process's services
  pid_t owner = -1;                // the process that may start, stop and clean up
  std::vector<std::string> names;  // in start order (attached: as published)

  detail::SetSpec spec;
  detail::DependencyGraph graph;
  // One service of the set, by index in spec.services (attached: in the order of `names`, with
  // the endpoint only).
  struct Service {
    detail::ServiceEndpoint endpoint;
    std::vector<detail::PortReservation> leases;  // its auto ports, held
    detail::ResolvedService resolved;
    bool failed = false;  // start()/stop() failed: MIRAKURU_KEEP_TMPDIRS=failed keeps its tmpdir
  };
  std::vector<Service> services;

  // The directories the set created (tmpdirs.cpp): [0] the set's "mk-XXXXXX", then one per
  // service that needs its own. Each registration makes the termination handler remove it
  // (no destructor runs then); a member, so it unregisters only after ~Impl's body has stopped
  // everything and removed the directory itself: the runner may be interrupted meanwhile.
  struct TmpRoot {
    std::filesystem::path dir;
    detail::CleanupRegistration cleanup;
  };
  std::vector<TmpRoot> roots;
  detail::KeepTmpdirs keep = detail::KeepTmpdirs::Never;
  std::mutex mutex;  // services' endpoints and resolved executors while start() may re-port
  // The "health" checks, running while the set is started (lifecycle.cpp). After `services`
  // (whose probes and executors it uses): destroyed, hence stopped, first.
  detail::HealthMonitor health;
  // attach_running(): the lease on the keeper that runs the services (null otherwise).
  std::shared_ptr<detail::KeeperLease> keeper;

  std::size_t index(const std::string& name) const;  // std::out_of_range naming the services
  const detail::ServiceEndpoint& endpoint(const std::string& name) const;
  // Service i's endpoint, for resolve_service() (which reads the other services' too).
  detail::EndpointOf endpoint_of() const;
};

namespace detail {

// Builds a ready-to-start set: ports reserved, tmpdirs created, every executor resolved.
std::unique_ptr<ServiceSet::Impl> build_service_set(const SetDescription& description,
                                                    const std::filesystem::path& base_dir);

// Reserves fresh auto ports for service i and re-resolves it and the services in `also`.
void reassign_auto_ports(ServiceSet::Impl& impl, std::size_t i,
                         const std::vector<std::size_t>& also);

// start()/stop() of the whole set (lifecycle.cpp).
void start_services(ServiceSet::Impl& impl);
// A service whose stop() fails keeps its tmpdir when `mark_failures`.
void stop_services(ServiceSet::Impl& impl, bool rethrow, bool mark_failures = true);

// tmpdirs.cpp: creates every service's ${tmpdir} (impl.services[i].endpoint.tmpdir). Throws
// ConfigError (an unknown `user`) or std::system_error.
void make_tmpdirs(ServiceSet::Impl& impl);
// Tells the termination handler which tmpdirs the normal path would keep: those of the services
// start()/stop() marked failed, with MIRAKURU_KEEP_TMPDIRS=failed.
void publish_failures(ServiceSet::Impl& impl);
// Removes the set's directories, except what MIRAKURU_KEEP_TMPDIRS keeps (logged). Never throws.
void release_tmpdirs(ServiceSet::Impl& impl) noexcept;
// "(log: ...; tmpdir ...)" for the failure messages of service i.
std::string tmpdir_note(const ServiceSet::Impl& impl, std::size_t i);
// Gives service i a top-level tmpdir with `mode` (moving its files there) and re-resolves
// every service. Only while nothing of the set runs.
void move_tmpdir(ServiceSet::Impl& impl, std::size_t i, std::filesystem::perms mode);

// Runs service i's setup commands in order; throws ProcessExitedWithError / TimeoutExpired /
// SpawnError naming the command and showing its output.
void run_setup(const ResolvedService& service);

// Rethrows `error` as the same type with "service 'NAME': " in front and `note` after.
[[noreturn]] void rethrow_for_service(const std::exception_ptr& error, const std::string& name,
                                      const std::string& note);

}  // namespace detail
}  // namespace mirakuru
