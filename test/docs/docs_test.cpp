// Every code block of README.md and docs/*.md is compiled or parsed (see CMakeLists.txt here):
// ```cpp blocks were compiled into mirakuru_doc_snippets before this test was built — here we
// only check that those snippets are the current blocks; ```json, ```sh, ```python and ```cmake
// blocks are parsed here. ```text and untagged blocks are prose (diagrams, output).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "mirakuru/errors.hpp"
#include "mirakuru/service_set.hpp"
#include "mirakuru/simple_executor.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Block {
  fs::path file;
  int line = 0;          // of the opening fence
  std::string language;  // as tagged: "cpp", "json", "" ...
  std::string marker;    // "fragment" / "declarations" from a preceding HTML comment
  std::string body;

  std::string where() const { return file.filename().string() + ":" + std::to_string(line); }
};

std::string strip(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The same rules as the extraction in CMakeLists.txt: an opening fence is a line that is
// ``` plus a tag once stripped; a closing fence is spaces and ```; a marker comment applies to
// the next fence when only blank lines come between.
std::vector<Block> blocks_of(const fs::path& file) {
  std::vector<Block> blocks;
  std::istringstream in(read(file));
  std::string line;
  std::string marker;
  bool inside = false;
  Block block;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!inside) {
      const std::string s = strip(line);
      if (s.rfind("```", 0) == 0) {
        inside = true;
        block = Block{file, number, s.substr(3), marker, ""};
      } else if (s == "<!-- fragment -->" || s == "<!-- declarations -->") {
        marker = s.substr(5, s.size() - 9);
      } else if (!s.empty()) {
        marker.clear();
      }
      continue;
    }
    if (line.find_first_not_of(' ') != std::string::npos &&
        line.substr(line.find_first_not_of(' ')) == "```") {
      inside = false;
      marker.clear();
      blocks.push_back(block);
    } else {
      block.body += line + "\n";
    }
  }
  EXPECT_FALSE(inside) << file << ": the block opened at line " << block.line << " never closes";
  return blocks;
}

std::vector<fs::path> markdown_files() {
  const fs::path root = MIRAKURU_SOURCE_DIR;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  files.insert(files.begin(), root / "README.md");
  return files;
}

std::vector<Block> all_blocks(const std::vector<std::string>& languages) {
  std::vector<Block> found;
  for (const auto& file : markdown_files()) {
    for (auto& b : blocks_of(file)) {
      if (std::find(languages.begin(), languages.end(), b.language) != languages.end()) {
        found.push_back(std::move(b));
      }
    }
  }
  return found;
}

// Runs a checker program; returns "" when it exited 0, else its exit code and output.
std::string run_checker(mirakuru::Command command) {
  mirakuru::SimpleExecutor checker(std::move(command));
  checker.start();
  const auto code = checker.wait(20s);
  if (!code) {
    checker.kill();
    return "did not finish within 20 s";
  }
  if (*code == 0) return "";
  return "exit code " + std::to_string(*code) + ": " + checker.err_output() + checker.output();
}

// Every line of `block` appears in `snippet`, in order, each on a line of its own (fragments are
// wrapped, and their #includes hoisted above the wrapper, so the block is not one substring).
bool holds_in_order(const std::string& snippet, const std::string& block) {
  std::istringstream lines(block);
  std::string line;
  std::size_t at = 0;
  std::size_t include_at = 0;
  while (std::getline(lines, line)) {
    std::size_t& from = line.rfind("#include ", 0) == 0 ? include_at : at;
    const auto found = snippet.find("\n" + line + "\n", from);
    if (found == std::string::npos) return false;
    from = found + line.size() + 1;
  }
  return true;
}

const std::vector<std::string> kCpp{"cpp", "c++"};
const std::vector<std::string> kShell{"sh", "bash", "shell", "console"};

TEST(DocBlocks, ReadmeAndEveryDocAreScanned) {
  const auto files = markdown_files();
  ASSERT_GE(files.size(), 2U);
  EXPECT_TRUE(fs::exists(files.front())) << files.front();
  EXPECT_FALSE(all_blocks(kCpp).empty()) << "the README opens with a C++ example";
}

// Each ```cpp block is exactly what mirakuru_doc_snippets compiled, and nothing else was: a
// failure here means the docs changed after CMake last ran — build again (it re-extracts).
TEST(DocBlocks, EveryCppBlockWasCompiled) {
  const fs::path dir = MIRAKURU_DOC_SNIPPET_DIR;
  std::vector<fs::path> expected;
  for (const auto& b : all_blocks(kCpp)) {
    const fs::path snippet = dir / (b.file.stem().string() + "_" + std::to_string(b.line) + ".cpp");
    expected.push_back(snippet);
    ASSERT_TRUE(fs::exists(snippet)) << b.where() << ": no compiled snippet " << snippet;
    EXPECT_TRUE(holds_in_order(read(snippet), b.body))
        << b.where() << ": the block changed since it was compiled; rebuild";
  }
  std::vector<fs::path> compiled;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".cpp") compiled.push_back(entry.path());
  }
  std::sort(expected.begin(), expected.end());
  std::sort(compiled.begin(), compiled.end());
  EXPECT_EQ(compiled, expected);
}

// ```json blocks parse; a service set (an object with "services") also loads: validated with
// every variable resolved, nothing started. <!-- fragment --> marks a list of members.
TEST(DocBlocks, EveryJsonBlockParsesAndServiceSetsLoad) {
  for (const auto& b : all_blocks({"json"})) {
    SCOPED_TRACE(b.where());
    const std::string text = b.marker == "fragment" ? "{" + b.body + "}" : b.body;
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      ADD_FAILURE() << b.where() << ": not JSON: " << e.what() << "\n" << text;
      continue;
    }
    if (!doc.is_object() || !doc.contains("services") || b.marker == "fragment") continue;
    try {
      const auto set = mirakuru::ServiceSet::from_string(b.body, b.file.parent_path());
      EXPECT_GE(set.size(), 1U);
    } catch (const mirakuru::ConfigError& e) {
      ADD_FAILURE() << b.where() << ": not a valid service set: " << e.what();
    }
  }
}

TEST(DocBlocks, EveryShellBlockIsValidShell) {
  for (const auto& b : all_blocks(kShell)) {
    EXPECT_EQ(run_checker({"bash", "-n", "-c", b.body}), "") << b.where() << "\n" << b.body;
  }
}

TEST(DocBlocks, EveryPythonBlockIsValidPython) {
  for (const auto& b : all_blocks({"python", "py"})) {
    EXPECT_EQ(run_checker({"python3", "-c", "import ast, sys; ast.parse(sys.argv[1])", b.body}), "")
        << b.where() << "\n"
        << b.body;
  }
}

// CMake has no syntax-only mode: check that every command is `name(` ... `)` with balanced
// parentheses outside strings and comments.
TEST(DocBlocks, EveryCmakeBlockHasBalancedCommands) {
  for (const auto& b : all_blocks({"cmake"})) {
    int depth = 0;
    bool quoted = false;
    std::istringstream in(b.body);
    std::string line;
    while (std::getline(in, line)) {
      for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
          if (c == '\\') ++i;
          if (c == '"') quoted = false;
        } else if (c == '#') {
          break;
        } else if (c == '"') {
          quoted = true;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')') {
          --depth;
          EXPECT_GE(depth, 0) << b.where() << ": unbalanced ')' in: " << line;
        }
      }
    }
    EXPECT_EQ(depth, 0) << b.where() << ": unclosed '('";
    EXPECT_FALSE(quoted) << b.where() << ": unterminated string";
  }
}

// The README's commands run as the user: only install-deps.sh escalates, by itself.
TEST(DocBlocks, ReadmeCommandsNeedNoSudo) {
  for (const auto& b : blocks_of(fs::path(MIRAKURU_SOURCE_DIR) / "README.md")) {
    if (std::find(kShell.begin(), kShell.end(), b.language) == kShell.end()) continue;
    EXPECT_THAT(b.body, ::testing::Not(::testing::HasSubstr("sudo"))) << b.where();
  }
}

// The README's first example is what a user copies first: it must run under ctest -j, on an
// allocated port, never a fixed one.
TEST(DocBlocks, ReadmeExampleAllocatesItsPort) {
  const auto blocks = blocks_of(fs::path(MIRAKURU_SOURCE_DIR) / "README.md");
  const auto first = std::find_if(blocks.begin(), blocks.end(), [](const Block& b) {
    return std::find(kCpp.begin(), kCpp.end(), b.language) != kCpp.end();
  });
  ASSERT_NE(first, blocks.end());
  EXPECT_THAT(first->body, ::testing::HasSubstr("mirakuru::reserve_port()"));
  std::smatch port;
  EXPECT_FALSE(std::regex_search(first->body, port, std::regex(R"(\b[1-9][0-9]{3,4}\b)")))
      << first->where() << ": a fixed port " << port.str();
}

// A block in a language nothing here checks would silently rot: tag prose as ```text.
TEST(DocBlocks, EveryBlockIsInACheckedLanguage) {
  const std::vector<std::string> checked{"cpp",     "c++",    "json", "sh",    "bash", "shell",
                                         "console", "python", "py",   "cmake", "text", ""};
  for (const auto& file : markdown_files()) {
    for (const auto& b : blocks_of(file)) {
      EXPECT_NE(std::find(checked.begin(), checked.end(), b.language), checked.end())
          << b.where() << ": ```" << b.language
          << " blocks are not checked by any test; use one of cpp, json, sh, python, cmake, text";
    }
  }
}

}  // namespace
