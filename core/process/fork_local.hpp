// State that belongs to one process: the library's tables of live processes, directories to
// remove and name lookups under way.
#pragma once

#include <atomic>

namespace mirakuru::detail {

// How many fork()s separate this process from the first one that asked (a pthread_atfork child
// handler, installed by the first call, counts them). Thread-safe.
unsigned fork_generation();

// One T per process: made on first use, and made anew in a child of fork() on its first use
// there. A forked child has only the thread that forked: the parent's T may hold a mutex locked
// forever by a thread that does not exist in the child, and what it lists (processes to stop,
// directories to remove, lookups whose workers are gone) is not the child's. No T is ever
// destroyed: threads may still use it during static destruction. Each one stays reachable from
// the next, so leak checkers see no loss. Declare instances at namespace scope (constant
// initialization); get() is thread-safe.
template <class T>
class ForkLocal {
 public:
  constexpr ForkLocal() = default;
  ForkLocal(const ForkLocal&) = delete;
  ForkLocal& operator=(const ForkLocal&) = delete;

  T& get() {
    const unsigned generation = fork_generation();
    Slot* current = slot_.load(std::memory_order_acquire);
    while (current == nullptr || current->generation != generation) {
      auto* fresh = new Slot{generation, current};  // NOLINT: never deleted, see above
      if (slot_.compare_exchange_strong(current, fresh, std::memory_order_acq_rel)) {
        return fresh->value;
      }
      delete fresh;  // another thread of this process made it first: `current` is now theirs
    }
    return current->value;
  }

 private:
  struct Slot {
    unsigned generation;
    Slot* parent;  // the forking process's, kept reachable
    T value{};
  };
  std::atomic<Slot*> slot_{nullptr};
};

}  // namespace mirakuru::detail
