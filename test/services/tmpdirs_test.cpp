// ${tmpdir}: one private directory per service, whatever the names; it belongs to the set
// (created with it, kept across restarts, removed with it); MIRAKURU_KEEP_TMPDIRS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "mirakuru/errors.hpp"
#include "svc_test_support.hpp"

namespace mirakuru {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::ScopedEnv;
using ::testing::HasSubstr;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The message of the error start() throws.
std::string start_error(ServiceSet& set) {
  try {
    set.start();
  } catch (const ExecutorError& e) {
    return e.what();
  }
  ADD_FAILURE() << "start() did not throw";
  return {};
}

const char* const kFailing =
    R"({"services": {"bad": {"command": "${vars.svc} --fail 3", "ready": {"output": {"banner": "never"}}}}})";

// Long names are cut so socket paths fit; the cut must not make two services share a
// directory (issue 16, item 7).
TEST(Tmpdirs, UniquePerServiceWhateverTheNames) {
  const std::string a20(20, 'a');
  nlohmann::json config;
  // Sorted, the second is service 1: cut, it was "a...a-1" like the first.
  for (const std::string& name : {a20 + "-1", a20 + "XXXXXXXXXXXX", std::string(100, 'b')}) {
    config["services"][name] = {{"command", "true"}};
  }
  auto set = ServiceSet::from_json(config);
  std::set<fs::path> dirs;
  for (const auto& name : set.names()) {
    const fs::path dir = set.tmpdir(name);
    EXPECT_TRUE(fs::is_directory(dir)) << dir;
    EXPECT_LE(dir.filename().string().size(), 24u) << dir;
    dirs.insert(dir);
  }
  EXPECT_EQ(dirs.size(), set.size());
}

// Issue 11, item 5: the tmpdir belongs to the set, not to one start.
TEST(Tmpdirs, BelongToTheSetFromConstructionToDestruction) {
  fs::path dir;
  {
    auto set = test::svc_set(R"({"services": {"a": {
      "command": "cat ${tmpdir}/seed && echo more >> ${tmpdir}/seed && exec ${vars.svc}",
      "shell": true, "ready": {"output": {"banner": "^ready$"}}}}})");
    dir = set.tmpdir("a");
    std::ofstream(dir / "seed") << "written before start\n";
    set.start();
    EXPECT_THAT(set.executor("a").output(), HasSubstr("written before start\n"));
    set.stop();
    ASSERT_TRUE(fs::exists(dir / "seed"));  // kept across stop()
    set.start();                            // a restart sees its data
    EXPECT_THAT(set.executor("a").output(), HasSubstr("written before start\nmore\n"));
    set.stop();
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(fs::exists(dir.parent_path()));
}

// Issue 16, item 8: owner-only, also next to a service that runs as another user.
TEST(Tmpdirs, PrivateByDefault) {
  test::TempDir logs;
  ScopedEnv log_dir("MIRAKURU_LOG_DIR", (logs / "new" / "logs").string());
  nlohmann::json config = test::with_svc(R"({"services": {"a": {"command": "${vars.svc}"}}})");
  if (::geteuid() == 0) config["services"]["n"] = {{"command", "true"}, {"user", "nobody"}};
  auto set = ServiceSet::from_json(config);
  const fs::path a = set.tmpdir("a");
  EXPECT_EQ(mode_of(a), 0700u);
  EXPECT_EQ(mode_of(a.parent_path()), 0700u);  // not 0701, even with a `user` service
  if (::geteuid() == 0) {
    const fs::path n = set.tmpdir("n");
    EXPECT_NE(n.parent_path(), a.parent_path());  // its own, so that its user can reach it
    EXPECT_EQ(mode_of(n), 0700u);
    struct stat st {};
    ASSERT_EQ(::stat(n.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u);
  }
  set.start();
  EXPECT_EQ(mode_of(logs / "new"), 0700u);  // directories the set creates for its logs
  set.stop();
}

// Issue 11, item 12: nginx's workers run as nobody and read their config in ${tmpdir}.
TEST(Tmpdirs, TmpdirModeOpensOneServicesDirectory) {
  auto set = test::svc_set(R"({"services": {
    "web": {"command": "${vars.svc}", "tmpdir_mode": "0755"},
    "db": {"command": "${vars.svc} --banner ${services.web.tmpdir}"}}})");
  EXPECT_EQ(mode_of(set.tmpdir("web")), 0755u);
  EXPECT_NE(set.tmpdir("web").parent_path(), set.tmpdir("db").parent_path());
  EXPECT_EQ(mode_of(set.tmpdir("db")), 0700u);
  // The C++ form: the files come along, and so do the executors' arguments.
  std::ofstream(set.tmpdir("db") / "file") << "x";
  set.set_tmpdir_mode("db", fs::perms(0750));
  EXPECT_EQ(mode_of(set.tmpdir("db")), 0750u);
  EXPECT_TRUE(fs::exists(set.tmpdir("db") / "file"));
  set.set_tmpdir_mode("web", fs::perms(0711));
  EXPECT_EQ(set.executor("db").command().argv.at(2), set.tmpdir("web").string());
  EXPECT_THROW(set.set_tmpdir_mode("db", fs::perms(0644)), std::invalid_argument);
  set.start();
  EXPECT_THROW(set.set_tmpdir_mode("db", fs::perms(0755)), std::logic_error);
  set.stop();
}

// Issue 11, item 14: a failed start keeps nothing unless asked, and says how to ask.
TEST(Tmpdirs, KeptOnlyWhenAsked) {
  fs::path dir;
  {
    auto set = test::svc_set(kFailing);
    dir = set.tmpdir("bad");
    EXPECT_THAT(start_error(set), HasSubstr("tmpdir " + dir.string() +
                                            " goes with the set: MIRAKURU_KEEP_TMPDIRS=failed "
                                            "keeps it for inspection"));
  }
  EXPECT_FALSE(fs::exists(dir.parent_path()));
  {
    ScopedEnv keep("MIRAKURU_KEEP_TMPDIRS", "failed");
    auto set = test::svc_set(kFailing);
    dir = set.tmpdir("bad");
    EXPECT_THAT(start_error(set), HasSubstr("tmpdir kept for inspection: " + dir.string()));
  }
  EXPECT_TRUE(fs::exists(dir));
  fs::remove_all(dir.parent_path());
  {
    ScopedEnv keep("MIRAKURU_KEEP_TMPDIRS", "always");
    auto set = test::svc_set(R"({"services": {"a": {"command": "${vars.svc}"}}})");
    dir = set.tmpdir("a");
  }
  EXPECT_TRUE(fs::exists(dir));
  fs::remove_all(dir.parent_path());
  ScopedEnv keep("MIRAKURU_KEEP_TMPDIRS", "sometimes");
  EXPECT_THROW(test::svc_set(R"({"services": {"a": {"command": "x"}}})"), ConfigError);
}

TEST(Tmpdirs, AnUnknownUserIsAConfigErrorWhenTheSetIsBuilt) {
  try {
    ServiceSet::from_string(R"({"services": {"a": {"command": "x", "user": "no-such-user-mk"}}})");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.json_path(), "/services/a/user");
    EXPECT_THAT(e.what(), HasSubstr("no such user on this machine: \"no-such-user-mk\""));
  }
}

}  // namespace
}  // namespace mirakuru
