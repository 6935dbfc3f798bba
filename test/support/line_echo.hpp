// A running mk_line_echo (test/fixtures/line_echo.cpp): a service whose output the test writes,
// line by line, through a FIFO — so a test can make it print exactly when it wants to.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "mirakuru/executors.hpp"
#include "test_support.hpp"

namespace mirakuru::test {

class LineEcho {
 public:
  explicit LineEcho(Options options = {})
      : fifo_(dir_ / "commands"),
        made_(::mkfifo(fifo_.c_str(), 0600) == 0
                  ? 0
                  : throw std::system_error(errno, std::generic_category(), "mkfifo")),
        // Read-write: opening never blocks, and the writer end stays open whatever happens.
        fd_(::open(fifo_.c_str(), O_RDWR | O_CLOEXEC)),
        executor_({fixture("line_echo"), fifo_.string()}, "line_echo ready",
                  with_timeout(options)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open fifo");
  }
  ~LineEcho() { ::close(fd_); }
  LineEcho(const LineEcho&) = delete;
  LineEcho& operator=(const LineEcho&) = delete;

  OutputExecutor& executor() { return executor_; }
  // One command (see line_echo.cpp): "out:TEXT", "err:TEXT", "partial:TEXT", "stamp:TEXT",
  // "close", "exit:N".
  void send(const std::string& command) {
    const std::string line = command + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw std::system_error(errno, std::generic_category(), "write fifo");
    }
  }

 private:
  static Options with_timeout(Options options) {
    options.timeout = std::chrono::seconds(20);
    return options;
  }
  TempDir dir_;
  std::filesystem::path fifo_;
  int made_;
  int fd_;
  OutputExecutor executor_;
};

}  // namespace mirakuru::test
