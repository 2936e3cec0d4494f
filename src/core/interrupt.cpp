#include "core/interrupt.h"

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>

namespace pk {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void record_signal(int signal) {
  g_signal.store(signal);
  std::signal(signal, SIG_DFL);  // a second signal ends the process at once
}

}  // namespace

Interrupted::Interrupted(int signal)
    : std::runtime_error(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal")),
      signal_(signal) {}

void install_interrupt_handlers() {
  std::signal(SIGINT, record_signal);
  std::signal(SIGTERM, record_signal);
}

int interrupt_signal() { return g_signal.load(); }

void throw_if_interrupted() {
  if (const int s = g_signal.load()) throw Interrupted(s);
}

}  // namespace pk
