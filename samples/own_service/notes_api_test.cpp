// Sample 2 — your own service, started once for the test suite from a JSON service set
// (notes.json) and tested through its HTTP API.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <mirakuru/gtest.hpp>
#include <optional>
#include <string>

#include "http_result.hpp"
#include "sample_report.hpp"

namespace {

using namespace std::chrono_literals;

class NotesApi : public mirakuru::gtest::SuiteServices<NotesApi> {
 public:
  // Copied next to notes_server by CMake: "./notes_server" in it resolves against this directory.
  static std::string ServicesConfig() { return SAMPLE_BINARY_DIR "/notes.json"; }

  // Timed and reported for the demo; the start itself is SuiteServices'.
  static void SetUpTestSuite() {
    const auto t0 = std::chrono::steady_clock::now();
    SuiteServices::SetUpTestSuite();
    const double ms = samples::since(t0);
    try {
      shot_ = samples::started("own_service", services(), "notes", ms);
    } catch (const std::logic_error&) {
      // The start failed: SuiteServices FAILs every test with the error.
    }
  }
  static void TearDownTestSuite() {
    SuiteServices::TearDownTestSuite();
    if (shot_) samples::cleaned(*shot_);
    shot_.reset();
  }

 protected:
  // Every test, in any order (--gtest_shuffle), talks to the process the suite started.
  void SetUp() override {
    if (shot_) {
      ASSERT_EQ(services().executor("notes").pid(), shot_->tree.front().pid);
    }
  }

  static httplib::Client client() {
    httplib::Client c(services().url("notes"));
    c.set_connection_timeout(2s);
    c.set_read_timeout(5s);
    return c;
  }

  static inline std::optional<samples::Snapshot> shot_;
};

TEST_F(NotesApi, IsHealthy) {
  const auto res = client().Get("/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok");
}

TEST_F(NotesApi, StoresAndReturnsANote) {
  auto c = client();
  const auto put = c.Put("/notes/groceries", "milk, eggs", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201);
  const auto get = c.Get("/notes/groceries");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "milk, eggs");
}

TEST_F(NotesApi, ReplacingANoteAnswers200) {
  auto c = client();
  ASSERT_EQ(samples::status(c.Put("/notes/todo", "write docs", "text/plain")), 201);
  EXPECT_EQ(samples::status(c.Put("/notes/todo", "write tests", "text/plain")), 200);
  EXPECT_EQ(samples::body(c.Get("/notes/todo")), "write tests");
}

TEST_F(NotesApi, DeletedNotesAreGone) {
  auto c = client();
  ASSERT_EQ(samples::status(c.Put("/notes/scratch", "x", "text/plain")), 201);
  EXPECT_EQ(samples::status(c.Delete("/notes/scratch")), 204);
  EXPECT_EQ(samples::status(c.Get("/notes/scratch")), 404);
  EXPECT_EQ(samples::status(c.Delete("/notes/scratch")), 404);
}

TEST_F(NotesApi, RunsOnTheSetsAutoPort) {
  const int port = services().port("notes");
  EXPECT_GT(port, 0);
  EXPECT_EQ(services().url("notes"), "http://127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(services().executor("notes").running());
}

TEST_F(NotesApi, UnknownNotesAre404) {
  const auto res = client().Get("/notes/never-written");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

}  // namespace
