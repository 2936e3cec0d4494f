#include "exec/threads.h"

#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "core/error.h"

namespace pk {

namespace {

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

int max_threads() { return 4 * cores(); }

void check_thread_count(int threads) {
  PK_CHECK(threads >= 0 && threads <= max_threads(),
           "--threads {} is out of range: expected 0..{} (0 = all {} cores; at most 4 × the cores)", threads,
           max_threads(), cores());
}

int configure_threads(int threads) {
  check_thread_count(threads);
  if (threads == 0) threads = cores();
  torch::set_num_threads(threads);
  return threads;
}

void reexec_with_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace pk
