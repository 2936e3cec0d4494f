#include "exec/threads.h"

#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "core/error.h"

namespace pk {

int configure_threads(int threads) {
  PK_CHECK(threads >= 0, "--threads {} must be ≥ 0 (0 = all cores)", threads);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return threads;
}

void reexec_with_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace pk
