// "auto" ports and reserve_port(): outside the kernel's ephemeral range, locked against other
// runners in a directory private to the user, bindable.
#include "services/ports.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "svc_test_support.hpp"

namespace mirakuru::detail {
namespace {

namespace fs = std::filesystem;
using test::ScopedEnv;
using ::testing::HasSubstr;
using ::testing::Not;

// The message reserve_port() fails with.
std::string reserve_error() {
  try {
    reserve_port();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "reserve_port() did not throw";
  return {};
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(Ports, RangeAvoidsTheEphemeralRange) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 0, hi = 0;
  ASSERT_TRUE(in >> lo >> hi);
  const PortRange r = auto_port_range();
  if (hi - lo < 60000) {
    EXPECT_TRUE(r.last < lo || r.first > hi) << r.first << "-" << r.last;
  }
  EXPECT_GE(r.last - r.first, 999);
}

TEST(Ports, ReservationsAreDistinctAndBindable) {
  std::vector<PortReservation> held;
  std::set<int> ports;
  for (int i = 0; i < 20; ++i) {
    held.push_back(reserve_port());
    ports.insert(held.back().port());
  }
  EXPECT_EQ(ports.size(), 20u);
  // Bindable by the service that will get it (the lock is a file, not a socket).
  EXPECT_TRUE(port_bindable(*ports.begin()));
}

TEST(Ports, ABoundPortIsNotBindable) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  EXPECT_FALSE(port_bindable(ntohs(addr.sin_port)));
  ::close(fd);
}

TEST(Ports, ReleasedWhenTheReservationDies) {
  int port = 0;
  {
    auto r = reserve_port();
    port = r.port();
    PortReservation moved = std::move(r);
    EXPECT_EQ(r.port(), 0);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.port(), port);
  }
  // Narrow the range to that one port: it must be available again.
  ::setenv("MIRAKURU_PORT_RANGE", (std::to_string(port) + "-" + std::to_string(port)).c_str(), 1);
  EXPECT_EQ(reserve_port().port(), port);
  {
    auto held = reserve_port();
    EXPECT_EQ(held.port(), port);
    EXPECT_THROW(reserve_port(), std::runtime_error);  // the only port is locked
  }
  ::unsetenv("MIRAKURU_PORT_RANGE");
}

// Issue 16, item 9: the lock directory is private; whatever is wrong is named, with what to do.
TEST(Ports, TheLockDirectoryMustBePrivateToThisUser) {
  test::TempDir root;
  {
    ScopedEnv dir("MIRAKURU_PORT_LOCK_DIR", (root / "missing").string());
    const std::string e = reserve_error();
    EXPECT_THAT(e, HasSubstr((root / "missing").string() + ": No such file or directory"));
    EXPECT_THAT(e, HasSubstr("unset MIRAKURU_PORT_LOCK_DIR"));
    EXPECT_THAT(e, Not(HasSubstr("MIRAKURU_PORT_RANGE")));
  }
  fs::create_directory(root / "open");
  ::chmod((root / "open").c_str(), 01777);
  {
    ScopedEnv dir("MIRAKURU_PORT_LOCK_DIR", (root / "open").string());
    EXPECT_THAT(reserve_error(), HasSubstr("the group or others may use it (mode 1777)"));
  }
  if (::geteuid() == 0) {  // another user's directory
    fs::create_directory(root / "theirs");
    ::chmod((root / "theirs").c_str(), 0700);
    ASSERT_EQ(::chown((root / "theirs").c_str(), 65534, 65534), 0);
    ScopedEnv dir("MIRAKURU_PORT_LOCK_DIR", (root / "theirs").string());
    EXPECT_THAT(reserve_error(), HasSubstr("it belongs to uid 65534, not to this user"));
  }
  fs::create_directory_symlink(root / "open", root / "link");
  ScopedEnv dir("MIRAKURU_PORT_LOCK_DIR", (root / "link").string());
  EXPECT_THAT(reserve_error(), HasSubstr("it is not a directory"));
}

TEST(Ports, TheDefaultLockDirectoryIsCreatedPrivate) {
  test::TempDir runtime;
  ScopedEnv unset_dir("MIRAKURU_PORT_LOCK_DIR", "");
  ScopedEnv xdg("XDG_RUNTIME_DIR", runtime.path().string());
  EXPECT_EQ(port_lock_dir(), runtime / "mirakuru-ports");
  EXPECT_EQ(mode_of(runtime / "mirakuru-ports"), 0700u);
  const auto port = reserve_port();
  const fs::path lock =
      runtime / "mirakuru-ports" / ("mirakuru-port-" + std::to_string(port.port()) + ".lock");
  EXPECT_EQ(mode_of(lock), 0600u);
}

// A lock file is never chmod'ed: a hard link planted to another file changes nothing there.
TEST(Ports, AFileThatIsNotOursIsNeverChmodded) {
  test::TempDir root;
  fs::create_directory(root / "locks");
  ::chmod((root / "locks").c_str(), 0700);
  const int port = auto_port_range().first + 7;
  std::ofstream(root / "target") << "x";
  ::chmod((root / "target").c_str(), 0640);
  fs::create_hard_link(root / "target",
                       root / "locks" / ("mirakuru-port-" + std::to_string(port) + ".lock"));
  ScopedEnv dir("MIRAKURU_PORT_LOCK_DIR", (root / "locks").string());
  ScopedEnv range("MIRAKURU_PORT_RANGE", std::to_string(port) + "-" + std::to_string(port));
  try {
    reserve_port();  // opens the link (and throws if something else uses the port)
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(mode_of(root / "target"), 0640u);
}

}  // namespace
}  // namespace mirakuru::detail
