// The output pump: one thread for the whole runner that drains every captured stream and every
// guardian's status pipe (epoll), so a process writing gigabytes never blocks and exits are
// seen the moment they happen. Started on first use, never stopped (nothing depends on static
// destruction order); a forked child that starts processes gets a fresh pump.
#pragma once

#include <memory>
#include <vector>

#include "process/process.hpp"

namespace mirakuru::detail {

class Pump {
 public:
  enum class Source { Out, Err, Status, Listen };

  static Pump& instance();

  // Takes ownership of `fd` (non-blocking): it is read until EOF, then closed. A Listen source
  // is a seccomp notification descriptor (listen_events.hpp): its listen() calls are answered
  // until no process uses it any more, or until the guardian's status pipe closed.
  void watch(int fd, Source source, std::shared_ptr<Process> process);

 private:
  Pump();
  void run();
  void close_listen(Process& process);

  int epoll_fd_ = -1;
  std::vector<void*> retired_;  // listen watches closed in this batch (pump thread only)
};

}  // namespace mirakuru::detail
