#include "process/fork_local.hpp"

#include <pthread.h>

#include <mutex>

namespace mirakuru::detail {

namespace {

std::atomic<unsigned> g_generation{0};
std::once_flag g_atfork_once;

}  // namespace

unsigned fork_generation() {
  std::call_once(g_atfork_once,
                 [] { ::pthread_atfork(nullptr, nullptr, [] { g_generation.fetch_add(1); }); });
  return g_generation.load();
}

}  // namespace mirakuru::detail
