// A set's ${tmpdir}s: created with the set, kept across stop()/start(), removed with the set.
//
// Services share the set's private "mk-XXXXXX" (0700), each in a 0700 directory of its own.
// A service that runs as another `user` or asks for a `tmpdir_mode` gets a top-level
// "mk-XXXXXX" instead: a private parent would keep its user (or nginx's workers) out, and
// opening the parent to others would open every sibling's name to them.
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "process/log.hpp"
#include "services/json_reader.hpp"
#include "services/scratch.hpp"
#include "services/service_set_impl.hpp"

namespace mirakuru::detail {

namespace {

constexpr auto kPrivate = std::filesystem::perms::owner_all;

// Service directories are named after the service, cut short so socket paths still fit. A cut
// name ends in ".INDEX": '.' is not allowed in service names, so it is no other service's name.
std::string tmpdir_name(const std::string& service, std::size_t index) {
  if (service.size() <= 24) return service;
  return service.substr(0, 20) + "." + std::to_string(index);
}

bool own_root(const ServiceSpec& s) { return !s.options.user.empty() || s.tmpdir_mode; }

// Registered before anything is checked: a termination handler that froze its cleanups before
// this registration may have run them already, so then the directory is removed here.
const std::filesystem::path& add_root(ServiceSet::Impl& impl) {
  std::filesystem::path dir = make_set_tmpdir();
  impl.roots.push_back({dir, CleanupRegistration(dir)});
  if (impl.keep == KeepTmpdirs::Always) impl.roots.back().cleanup.keep({dir});
  if (cleanups_frozen()) {
    remove_tree(dir);
    throw std::runtime_error("not creating a service set: the runner is being interrupted");
  }
  return impl.roots.back().dir;
}

std::filesystem::path own_tmpdir(ServiceSet::Impl& impl, const ServiceSpec& s) {
  const std::filesystem::path dir = add_root(impl);
  if (s.tmpdir_mode) std::filesystem::permissions(dir, *s.tmpdir_mode);
  if (s.options.user.empty()) return dir;
  try {
    give_to_user(dir, s.options.user);
  } catch (const std::system_error& e) {
    if (e.code().value() == ENOENT) {
      config_error(json_child(s.path, "user"),
                   "no such user on this machine: \"" + s.options.user +
                       "\" (create it with useradd, or remove \"user\")");
    }
    config_error(json_child(s.path, "user"), e.what());
  }
  return dir;
}

bool within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// The failed services' tmpdirs inside `root`, when failures are kept.
std::vector<std::filesystem::path> failures_in(const ServiceSet::Impl& impl,
                                               const std::filesystem::path& root) {
  std::vector<std::filesystem::path> kept;
  if (impl.keep != KeepTmpdirs::Failed) return kept;
  for (const auto& service : impl.services) {
    if (service.failed && within(service.endpoint.tmpdir, root)) {
      kept.push_back(service.endpoint.tmpdir);
    }
  }
  return kept;
}

}  // namespace

void make_tmpdirs(ServiceSet::Impl& impl) {
  add_root(impl);
  for (std::size_t i = 0; i < impl.spec.services.size(); ++i) {
    const ServiceSpec& s = impl.spec.services[i];
    if (own_root(s)) {
      impl.services[i].endpoint.tmpdir = own_tmpdir(impl, s);
    } else {
      impl.services[i].endpoint.tmpdir = impl.roots.front().dir / tmpdir_name(s.name, i);
      make_directory(impl.services[i].endpoint.tmpdir, kPrivate);
    }
  }
}

void publish_failures(ServiceSet::Impl& impl) {
  if (impl.keep != KeepTmpdirs::Failed) return;
  for (auto& root : impl.roots) root.cleanup.keep(failures_in(impl, root.dir));
}

void release_tmpdirs(ServiceSet::Impl& impl) noexcept {
  if (cleanups_frozen()) {
    // The termination handler removes them (keeping what was kept when the signal came); its
    // cleanup may still be ahead, so the registrations must outlive this set. The runner ends
    // with the handler: nothing else remains of them.
    for (auto& root : impl.roots) {
      new CleanupRegistration(std::move(root.cleanup));  // NOLINT(cppcoreguidelines-owning-memory)
    }
    return;
  }
  for (const auto& root : impl.roots) {
    if (impl.keep == KeepTmpdirs::Always || !failures_in(impl, root.dir).empty()) {
      logger()->warn("keeping {} for inspection (MIRAKURU_KEEP_TMPDIRS={})", root.dir.string(),
                     impl.keep == KeepTmpdirs::Always ? "always" : "failed");
    } else {
      remove_tree(root.dir);
    }
  }
}

std::string tmpdir_note(const ServiceSet::Impl& impl, std::size_t i) {
  const std::string log = "log: " + impl.services[i].resolved.options.log_file.string();
  const std::string dir = impl.services[i].endpoint.tmpdir.string();
  if (impl.keep == KeepTmpdirs::Never) {
    return "(" + log + "; tmpdir " + dir +
           " goes with the set: MIRAKURU_KEEP_TMPDIRS=failed keeps it for inspection)";
  }
  return "(" + log + "; tmpdir kept for inspection: " + dir + ")";
}

void move_tmpdir(ServiceSet::Impl& impl, std::size_t i, std::filesystem::perms mode) {
  ServiceSpec& s = impl.spec.services[i];
  const std::filesystem::path old = impl.services[i].endpoint.tmpdir;
  s.tmpdir_mode = mode;
  if (!within(old, impl.roots.front().dir)) {  // its own already
    std::filesystem::permissions(old, mode);
  } else {
    const std::filesystem::path dir = own_tmpdir(impl, s);
    std::filesystem::rename(old, dir);  // onto the empty new directory: the files come along
    std::filesystem::permissions(dir, mode);
    impl.services[i].endpoint.tmpdir = dir;
  }
  for (std::size_t j = 0; j < impl.services.size(); ++j) {
    impl.services[j].resolved = resolve_service(impl.spec, impl.endpoint_of(), j);
  }
}

}  // namespace mirakuru::detail
