// The output pump: one thread for the whole runner that drains every captured stream and every
// guardian's status pipe (epoll), so a process writing gigabytes never blocks and exits are
// seen the moment they happen. Started on first use, never stopped (nothing depends on static
// destruction order); a forked child that starts processes gets a fresh pump.
#pragma once

#include <memory>

#include "process/process.hpp"

namespace mirakuru::detail {

class Pump {
 public:
  enum class Source { Out, Err, Status };

  static Pump& instance();

  // Takes ownership of `fd` (non-blocking): it is read until EOF, then closed.
  void watch(int fd, Source source, std::shared_ptr<Process> process);

 private:
  Pump();
  void run();

  int epoll_fd_ = -1;
};

}  // namespace mirakuru::detail
