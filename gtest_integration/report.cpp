#include "report.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace mirakuru::gtest::detail {
std::string tail(std::string_view text, std::size_t lines, const std::string& indent,
                 std::size_t max_bytes) {
  if (lines == 0 || text.empty()) return {};
  if (text.back() == '\n') text.remove_suffix(1);
  std::vector<std::string_view> picked;  // newest first
  std::size_t bytes = 0;
  std::size_t end = text.size();
  while (picked.size() < lines) {
    auto nl = end == 0 ? std::string_view::npos : text.rfind('\n', end - 1);
    std::size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    auto line = text.substr(begin, end - begin);
    if (bytes + line.size() > max_bytes) break;
    bytes += line.size();
    picked.push_back(line);
    if (nl == std::string_view::npos) break;
    end = nl;
  }
  std::string out;
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
    out += indent;
    out += *it;
    out += '\n';
  }
  return out;
}

std::string file_tail(const std::filesystem::path& file, std::size_t lines,
                      const std::string& indent) {
  // Enough for `lines` ordinary lines without reading a service's whole (possibly huge) log.
  const std::streamoff window = static_cast<std::streamoff>(lines) * 512 + 4096;
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size <= 0) return {};
  std::streamoff from = size > window ? size - window : 0;
  in.seekg(from);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (from > 0) {
    auto nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? 0 : nl + 1);  // drop the cut first line
  }
  return tail(text, lines, indent);
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace mirakuru::gtest::detail
