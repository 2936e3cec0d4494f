// Why batch-1 speed-ups fall short of MACs reductions (issue 3): one 3×3 convolution (stride 1,
// pad 1, C→C channels, H×W = S×S, batch 1) timed on libtorch's two CPU paths, interleaved:
//   native  torch::conv2d — at batch 1 with a 3×3 kernel and fewer than 20480 input elements
//           libtorch 1.13 picks its own im2col + BLAS path (ConvParams::use_mkldnn)
//   onednn  at::mkldnn_convolution — oneDNN, what libtorch picks for larger inputs or batch > 1
// For each shape: median ms per call, GMAC/s, and which path is faster. The shapes are the
// stages of ResNet-56 at 3×32×32 and of the same net pruned uniformly to 50% MACs (round-to 8).
//   build/bench/bench_conv_backends [--reps 15] [--calls 100] [--threads 1]
#include <ATen/ATen.h>
#include <torch/torch.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/median.h"
#include "core/timer.h"
#include "exec/threads.h"

namespace {

using pk::bench::median;

struct ConvShape {
  std::string network;
  int channels;
  int size;
};

}  // namespace

int main(int argc, char** argv) {
  pk::reexec_with_passive_openmp_wait(argv);
  int reps = 15, calls = 100, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--reps") reps = std::stoi(argv[i + 1]);
    else if (a == "--calls") calls = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
  }
  threads = pk::configure_threads(threads);
  if (!at::hasMKLDNN()) {
    std::cerr << "this libtorch is built without oneDNN: nothing to compare\n";
    return 1;
  }
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const std::vector<ConvShape> shapes{{"resnet56", 16, 32},        {"resnet56", 32, 16},
                                      {"resnet56", 64, 8},         {"resnet56 pruned", 8, 32},
                                      {"resnet56 pruned", 24, 16}, {"resnet56 pruned", 48, 8}};
  std::cout << fmt::format("3x3 conv, batch 1, {} thread(s); median of {} runs of {} calls\n", threads, reps, calls);
  std::cout << fmt::format("{:<16} {:>4} {:>6} {:>9} {:>10} {:>8} {:>10} {:>8} {:>8}\n", "network", "C", "HxW", "MMACs",
                           "native ms", "GMAC/s", "onednn ms", "GMAC/s", "faster");
  for (const auto& s : shapes) {
    auto x = torch::randn({1, s.channels, s.size, s.size});
    auto w = torch::randn({s.channels, s.channels, 3, 3}) * 0.1;
    auto b = torch::randn({s.channels});
    auto native = [&] { return torch::conv2d(x, w, b, 1, 1); };
    auto onednn = [&] { return at::mkldnn_convolution(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1); };
    const float max_diff = (native() - onednn()).abs().max().item<float>();
    if (max_diff > 1e-3f) {
      std::cerr << fmt::format("the two paths disagree by {} on C={} S={}\n", max_diff, s.channels, s.size);
      return 1;
    }
    std::vector<double> native_ms, onednn_ms;
    for (int r = 0; r < reps; ++r) {  // interleaved, so that load changes hit both alike
      pk::Timer t;
      for (int c = 0; c < calls; ++c) native();
      native_ms.push_back(t.seconds() * 1e3 / calls);
      pk::Timer u;
      for (int c = 0; c < calls; ++c) onednn();
      onednn_ms.push_back(u.seconds() * 1e3 / calls);
    }
    const double macs = 9.0 * s.channels * s.channels * s.size * s.size;
    const double n = median(native_ms), o = median(onednn_ms);
    std::cout << fmt::format("{:<16} {:>4} {:>6} {:>9.2f} {:>10.4f} {:>8.1f} {:>10.4f} {:>8.1f} {:>8}\n", s.network,
                             s.channels, fmt::format("{}x{}", s.size, s.size), macs / 1e6, n, macs / n / 1e6, o,
                             macs / o / 1e6, n <= o ? "native" : fmt::format("onednn {:.2f}x", n / o));
  }
}
