#include "process/guardian_handle.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "process/live_processes.hpp"

namespace mirakuru::detail {

GuardianHandle::GuardianHandle(pid_t guardian, pid_t leader, int control_fd) noexcept
    : guardian_(guardian), leader_(leader), owner_(::getpid()), control_fd_(control_fd) {}

GuardianHandle::GuardianHandle(GuardianHandle&& other) noexcept
    : guardian_(other.guardian_.exchange(-1)),
      leader_(std::exchange(other.leader_, -1)),
      owner_(std::exchange(other.owner_, -1)),
      control_fd_(std::exchange(other.control_fd_, -1)),
      enrolled_(std::exchange(other.enrolled_, nullptr)) {}

GuardianHandle& GuardianHandle::operator=(GuardianHandle&& other) noexcept {
  if (this != &other) {
    release();
    guardian_.store(other.guardian_.exchange(-1));
    leader_ = std::exchange(other.leader_, -1);
    owner_ = std::exchange(other.owner_, -1);
    control_fd_ = std::exchange(other.control_fd_, -1);
    enrolled_ = std::exchange(other.enrolled_, nullptr);
  }
  return *this;
}

GuardianHandle::~GuardianHandle() { release(); }

void GuardianHandle::release() noexcept {
  if (enrolled_ != nullptr) unregister_process(enrolled_);
  enrolled_ = nullptr;
  if (control_fd_ >= 0) ::close(control_fd_);
  control_fd_ = -1;
}

bool GuardianHandle::owned() const { return owner_ > 0 && owner_ == ::getpid(); }

void GuardianHandle::enroll(const std::shared_ptr<Process>& process, const StopPlan& plan) {
  if (enrolled_ != nullptr || control_fd_ < 0) return;
  register_process(process, owner_, control_fd_, plan);
  enrolled_ = process.get();
}

bool GuardianHandle::send(const ControlMessage& message) const {
  // Never ::write directly: a guardian killed from outside would make it raise SIGPIPE.
  return active() && owned() && send_control_message(control_fd_, message);
}

bool GuardianHandle::request_stop(const StopPlan& plan) const { return send(plan.message()); }

bool GuardianHandle::signal_group(int sig) const {
  return send({ControlMessage::kSignalGroup, sig, 0, 0, 0});
}

bool GuardianHandle::signal_all(int sig) const {
  return send({ControlMessage::kSignalAll, sig, 0, 0, 0});
}

void GuardianHandle::kill_directly() const {
  if (leader_ <= 0 || !owned()) return;
  ::kill(-leader_, SIGKILL);
  const pid_t guardian = guardian_.load();
  if (guardian > 0) ::kill(guardian, SIGKILL);
}

void GuardianHandle::reap() {
  const pid_t guardian = guardian_.load();
  if (guardian <= 0 || !owned()) return;
  while (::waitpid(guardian, nullptr, 0) < 0 && errno == EINTR) {
  }
  guardian_.store(-1, std::memory_order_release);
  release();  // leaves the table before the descriptor is closed
}

}  // namespace mirakuru::detail
