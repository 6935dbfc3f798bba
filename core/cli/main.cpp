// mirakuru — start the services a test run needs, once, for any number of processes.
//
//   mirakuru run services.json -- ./my_tests        # start, run, stop
//   mirakuru up services.json                       # a keeper holds the set; prints endpoints
//   MIRAKURU_ATTACH=services.json ctest -j8         # test processes attach to it
//   mirakuru down services.json
//
// Exit statuses: 0 success; 1 a set that did not start or stop, or a state directory refused;
// 2 bad arguments; `run` exits with CMD's status (128+N when signal N killed it, 127 when CMD
// does not exist, 126 when it cannot be executed).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "services/scalars.hpp"

namespace mirakuru::cli {

void print_error(const std::string& subcommand, const std::string& message) {
  std::string text = "mirakuru" + (subcommand.empty() ? "" : " " + subcommand) + ": " + message;
  if (text.back() != '\n') text += '\n';
  std::fputs(text.c_str(), stderr);
}

namespace {

constexpr const char* kStateDirHelp =
    "where keepers keep their state (default: $MIRAKURU_STATE_DIR, else "
    "${XDG_RUNTIME_DIR:-/tmp}/mirakuru-$UID)";

// A subcommand with --state-dir and, when `file` is given, the FILE argument.
CLI::App* add_subcommand(CLI::App& app, const char* name, const char* help,
                         std::filesystem::path* file, std::filesystem::path& state_dir) {
  auto* sub = app.add_subcommand(name, help);
  if (file != nullptr) {
    sub->add_option("FILE", *file, "the service set's JSON file")
        ->required()
        ->check(CLI::ExistingFile);
  }
  sub->add_option("--state-dir", state_dir, kStateDirHelp);
  return sub;
}

// "30m", "10s", "250ms" or milliseconds.
std::string check_duration(const std::string& text) {
  return detail::parse_duration(text) ? std::string()
                                      : "not a duration: '" + text + "' (try 30s, 10m, 250ms)";
}

struct Parsed {
  RunArgs run;
  UpArgs up;
  SetArgs down, env;
  StatusArgs status;
  KeeperArgs keeper;
  std::string linger, keeper_linger;
  long watch_pid = -1;
};

void define_run(CLI::App& app, Parsed& p) {
  auto* sub = add_subcommand(
      app, "run",
      "Start the set, run CMD with the endpoint environment, stop the set, exit with "
      "CMD's status (128+N when signal N killed it, 127 when CMD does not exist; 1 when "
      "the set did not start: CMD is not run then)",
      &p.run.file, p.run.state_dir);
  sub->add_option("CMD", p.run.command, "the command and its arguments, after --")->required();
  sub->footer(
      "CMD sees MIRAKURU_<NAME>_PORT, _HOST, _URL, _TMPDIR, _PORT_<PORTNAME> and "
      "MIRAKURU_ENDPOINTS. When a keeper (`mirakuru up`) runs FILE in the state directory, "
      "CMD uses its services instead.\nExample: mirakuru run services.json -- pytest -x");
}

void define_up(CLI::App& app, Parsed& p) {
  auto* sub = add_subcommand(
      app, "up",
      "Start the set under a detached keeper, wait until every service is ready, print "
      "the endpoints JSON. A set that already runs is reused.",
      &p.up.file, p.up.state_dir);
  sub->add_option("--linger", p.linger,
                  "stop after this long without an attached process (e.g. 30m; default: never)")
      ->check(check_duration);
  sub->add_option("--watch-pid", p.watch_pid,
                  "stop when this process exits (default: the parent of `mirakuru up`; 0: none)")
      ->check(CLI::NonNegativeNumber);
}

void define_status(CLI::App& app, Parsed& p) {
  auto* sub =
      add_subcommand(app, "status",
                     "List the running sets: config, keeper pid, uptime, and per service its pid, "
                     "port(s), url and health",
                     nullptr, p.status.state_dir);
  sub->add_flag("--json", p.status.json, "print JSON instead of a table");
}

// The process `up` re-executes into; not for people (no group: hidden from --help).
void define_keeper(CLI::App& app, Parsed& p) {
  auto* sub = app.add_subcommand("__keeper", "")->group("");
  sub->add_option("--file", p.keeper.file)->required();
  sub->add_option("--set-dir", p.keeper.set_dir)->required();
  sub->add_option("--linger", p.keeper_linger);
  sub->add_option("--report-fd", p.keeper.report_fd)->required();
  sub->add_option("--watch-fd", p.keeper.watch_fd);
  sub->add_option("--watch-pid", p.keeper.watch_pid);
}

int dispatch(const CLI::App& app, Parsed& p) {
  const std::string name = app.get_subcommands().front()->get_name();
  if (name == "run") return run_command(p.run);
  if (name == "up") {
    if (!p.linger.empty()) p.up.linger = detail::parse_duration(p.linger);
    if (p.watch_pid >= 0) p.up.watch_pid = static_cast<pid_t>(p.watch_pid);
    return up_command(p.up);
  }
  if (name == "down") return down_command(p.down);
  if (name == "env") return env_command(p.env);
  if (name == "status") return status_command(p.status);
  if (!p.keeper_linger.empty()) p.keeper.linger = detail::parse_duration(p.keeper_linger);
  return keeper_command(p.keeper);
}

}  // namespace
}  // namespace mirakuru::cli

int main(int argc, char** argv) {
  using namespace mirakuru::cli;
  CLI::App app{"mirakuru: start the services a test run needs, share them between processes"};
  app.require_subcommand(1);
  app.footer("Run 'mirakuru SUBCOMMAND --help' for a subcommand's options.");
  Parsed p;
  define_run(app, p);
  define_up(app, p);
  add_subcommand(app, "down", "Stop the set's keeper and its services, remove its state",
                 &p.down.file, p.down.state_dir);
  add_subcommand(app, "env",
                 "Print the endpoint environment of a running set as 'export NAME=VALUE' "
                 "lines (eval \"$(mirakuru env FILE)\")",
                 &p.env.file, p.env.state_dir);
  define_status(app, p);
  define_keeper(app, p);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const auto subs = app.get_subcommands();
    const std::string sub = subs.empty() ? std::string() : subs.front()->get_name();
    print_error(sub.empty() ? "" : sub, std::string(e.what()) + "\nRun 'mirakuru " +
                                            (sub.empty() ? "" : sub + " ") + "--help' for usage.");
    return kExitUsage;
  }
  try {
    return dispatch(app, p);
  } catch (const std::exception& e) {
    print_error(app.get_subcommands().front()->get_name(), e.what());
    return kExitFailure;
  }
}
