#include "process/pump.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "process/fork_local.hpp"
#include "process/listen_events.hpp"
#include "process/log.hpp"

namespace mirakuru::detail {
namespace {

struct Watch {
  int fd;
  Pump::Source source;
  std::shared_ptr<Process> process;
  char pending[sizeof(GuardianMessage)];  // a status record split across reads (never, in
  std::size_t pending_size = 0;           // practice: pipe writes of 16 bytes are atomic)
};

// The pump is per process: after fork() the child has no pump thread, so it gets a new one.
struct PumpSlot {
  std::mutex mutex;
  Pump* pump = nullptr;  // never deleted: the thread serves until the process ends
};
ForkLocal<PumpSlot> g_pump;

}  // namespace

Pump& Pump::instance() {
  PumpSlot& slot = g_pump.get();
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (slot.pump == nullptr) slot.pump = new Pump;  // NOLINT: never deleted, see above
  return *slot.pump;
}

Pump::Pump() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  std::thread([this] { run(); }).detach();
}

namespace {

// The process's registration slot for a source (none for the status pipe).
Process::PumpWatch* slot_of(Process& process, Pump::Source source) {
  switch (source) {
    case Pump::Source::Out:
      return &process.pump_watches[Process::kPumpOut];
    case Pump::Source::Err:
      return &process.pump_watches[Process::kPumpErr];
    case Pump::Source::Listen:
      return &process.pump_watches[Process::kPumpListen];
    case Pump::Source::Status:
      break;
  }
  return nullptr;
}

// Forgets the registration of `w` (the pump is about to close its descriptor), under the lock a
// direct waiter takes to set it aside.
void unregister(Watch& w) {
  Process::PumpWatch* slot = slot_of(*w.process, w.source);
  if (slot == nullptr) return;
  std::lock_guard<std::mutex> lock(w.process->pump_mutex());
  *slot = {};
}

}  // namespace

void Pump::watch(int fd, Source source, std::shared_ptr<Process> process) {
  Process& raw = *process;
  auto* w = new Watch{fd, source, std::move(process), {}, 0};
  Process::PumpWatch* slot = slot_of(raw, source);
  if (slot != nullptr) {  // before the pump can see it
    std::lock_guard<std::mutex> lock(raw.pump_mutex());
    raw.pump_epoll_fd = epoll_fd_;
    *slot = {fd, w};
  }
  epoll_event event{};
  event.events =
      Process::pump_events(source == Source::Listen ? Process::kPumpListen : Process::kPumpOut);
  event.data.ptr = w;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
    const int error = errno;
    unregister(*w);
    delete w;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "epoll_ctl(ADD)");
  }
}

namespace {

// Reads what is in the pipe now (up to `rounds` buffers). Returns false at EOF.
bool drain(int fd, Stream stream, Process& process, std::vector<char>& buffer, int rounds) {
  std::lock_guard<std::mutex> lock(process.input_mutex());  // a direct reader may be at it too
  for (int round = 0; round < rounds; ++round) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return true;
    if (got <= 0) return false;
    process.on_output(stream, buffer.data(), static_cast<std::size_t>(got));
    if (static_cast<std::size_t>(got) < buffer.size()) return true;
  }
  return true;
}

}  // namespace

void Pump::close_listen(Process& process) {
  auto* w = static_cast<Watch*>(process.pump_watches[Process::kPumpListen].watch);
  if (w == nullptr) return;
  unregister(*w);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->fd, nullptr);
  ::close(w->fd);
  w->fd = -1;
  // Deleted after the batch: this epoll_wait() may have returned it too (and `process` may be
  // owned by this watch alone).
  retired_.push_back(w);
}

void Pump::run() {
  std::vector<char> buffer(std::size_t{256} * 1024);
  epoll_event events[64];
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      logger()->critical("output pump: epoll_wait failed: {}",
                         std::generic_category().message(errno));
      return;
    }
    struct Retire {
      std::vector<void*>& retired;
      ~Retire() {
        for (void* w : retired) delete static_cast<Watch*>(w);
        retired.clear();
      }
    } retire{retired_};
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<Watch*>(events[i].data.ptr);
      if (w->source == Source::Listen) {
        if (w->fd < 0) continue;  // closed earlier in this batch (its process's guardian ended)
        if (w->process->answer_listens(w->fd)) close_listen(*w->process);
        continue;
      }
      bool eof = false;
      if (w->source == Source::Status) {
        for (;;) {
          const ssize_t got = ::read(w->fd, w->pending + w->pending_size,
                                     sizeof(GuardianMessage) - w->pending_size);
          if (got < 0 && errno == EINTR) continue;
          if (got < 0 && errno == EAGAIN) break;
          if (got <= 0) {
            eof = true;
            break;
          }
          w->pending_size += static_cast<std::size_t>(got);
          if (w->pending_size == sizeof(GuardianMessage)) {
            GuardianMessage message{};
            std::memcpy(&message, w->pending, sizeof message);
            w->pending_size = 0;
            // Whatever the process wrote before it exited is already in its pipes: take it
            // first, so output() is complete when the exit becomes visible.
            Process& process = *w->process;
            for (const auto& [stream, slot] : {std::pair{Stream::Out, Process::kPumpOut},
                                               std::pair{Stream::Err, Process::kPumpErr}}) {
              const int fd = process.pump_watches[slot].fd;
              if (fd >= 0) drain(fd, stream, process, buffer, 64);
            }
            process.on_status(message);
          }
        }
      } else {
        const Stream stream = w->source == Source::Out ? Stream::Out : Stream::Err;
        // A few reads per wake-up: keeps one chatty process from starving the others.
        eof = !drain(w->fd, stream, *w->process, buffer, 4);
      }
      if (eof) {
        unregister(*w);
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->fd, nullptr);
        ::close(w->fd);
        if (w->source == Source::Status) {
          // The guardian is done: nothing of the tree is left to call listen().
          close_listen(*w->process);
          w->process->on_status_eof();
        } else {
          w->process->on_output_eof(w->source == Source::Out ? Stream::Out : Stream::Err);
        }
        delete w;
      }
    }
  }
}

}  // namespace mirakuru::detail
