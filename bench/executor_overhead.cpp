// Executor overhead: the IR executor vs an equivalent hand-written torch::nn ResNet-20, same
// weights, same input, measured in the same run with interleaved repetitions.
// Prints forward (eval) and train-step (forward + backward + SGD step) throughput and the
// ratio executor/torch::nn (goal ≥ 0.95), and writes the numbers as JSON.
//
//   build/bench_executor_overhead [--batch 128] [--reps 15] [--size 28] [--channels 1] [--json out.json]
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/median.h"
#include "core/timer.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "models/zoo.h"

namespace {

using pk::bench::median;

// ---- the reference: torch::nn ResNet-20 (CIFAR, projection shortcut where shape changes) ----
struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int in, int out, int stride)
      : conv1(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)), bn1(out),
        conv2(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)), bn2(out) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    if (stride != 1 || in != out) {
      down_conv = register_module("down_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
      down_bn = register_module("down_bn", torch::nn::BatchNorm2d(out));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    auto s = down_conv ? down_bn(down_conv(x)) : x;
    return torch::relu(y + s);
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Conv2d conv2;
  torch::nn::BatchNorm2d bn2;
  torch::nn::Conv2d down_conv{nullptr};
  torch::nn::BatchNorm2d down_bn{nullptr};
};
TORCH_MODULE(BasicBlock);

struct ResNet20Impl : torch::nn::Module {
  explicit ResNet20Impl(int in_channels)
      : conv1(torch::nn::Conv2dOptions(in_channels, 16, 3).padding(1).bias(false)), bn1(16), fc(64, 10) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    int in = 16;
    const int widths[3] = {16, 32, 64};
    for (int s = 0; s < 3; ++s)
      for (int b = 0; b < 3; ++b) {
        blocks.push_back(register_module(fmt::format("layer{}_{}", s + 1, b),
                                         BasicBlock(in, widths[s], (s > 0 && b == 0) ? 2 : 1)));
        in = widths[s];
      }
    register_module("fc", fc);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(bn1(conv1(x)));
    for (auto& b : blocks) x = b->forward(x);
    return fc(torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1));
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  std::vector<BasicBlock> blocks;
  torch::nn::Linear fc;
};
TORCH_MODULE(ResNet20);

/// Copies the IR weights into the reference so both compute the same function.
void copy_weights(const pk::WeightStore& w, ResNet20& ref) {
  torch::NoGradGuard ng;
  auto conv = [&](torch::nn::Conv2d& c, const std::string& n) { c->weight.copy_(w.get(n, "weight")); };
  auto bn = [&](torch::nn::BatchNorm2d& b, const std::string& n) {
    b->weight.copy_(w.get(n, "weight"));
    b->bias.copy_(w.get(n, "bias"));
    b->running_mean.copy_(w.get(n, "running_mean"));
    b->running_var.copy_(w.get(n, "running_var"));
  };
  conv(ref->conv1, "conv1");
  bn(ref->bn1, "bn1");
  for (int s = 0; s < 3; ++s)
    for (int b = 0; b < 3; ++b) {
      auto& blk = ref->blocks[s * 3 + b];
      const std::string p = fmt::format("layer{}.{}.", s + 1, b);
      conv(blk->conv1, p + "conv1");
      bn(blk->bn1, p + "bn1");
      conv(blk->conv2, p + "conv2");
      bn(blk->bn2, p + "bn2");
      if (blk->down_conv) {
        conv(blk->down_conv, p + "downsample.0");
        bn(blk->down_bn, p + "downsample.1");
      }
    }
  ref->fc->weight.copy_(w.get("fc", "weight"));
  ref->fc->bias.copy_(w.get("fc", "bias"));
}

}  // namespace

int main(int argc, char** argv) {
  pk::reexec_with_passive_openmp_wait(argv);
  int batch = 128, reps = 15, size = 28, channels = 1, threads = 0;
  std::string json_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--batch") batch = std::stoi(argv[i + 1]);
    else if (a == "--reps") reps = std::stoi(argv[i + 1]);
    else if (a == "--size") size = std::stoi(argv[i + 1]);
    else if (a == "--channels") channels = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--json") json_path = argv[i + 1];
  }
  threads = pk::configure_threads(threads);
  pk::ModelOptions mo;
  mo.in_channels = channels;
  mo.input_size = size;
  pk::Graph g = pk::build_model("resnet20", mo);
  pk::WeightStore w = pk::WeightStore::initialize(g, 1);
  ResNet20 ref(channels);
  copy_weights(w, ref);
  pk::Executor ex(g, w.clone());

  torch::manual_seed(0);
  auto x = torch::randn({batch, channels, size, size});
  auto labels = torch::randint(0, 10, {batch}, torch::kLong);
  {
    torch::NoGradGuard ng;
    ex.eval();
    ref->eval();
    const float diff = (ex.forward(x) - ref->forward(x)).abs().max().item<float>();
    std::cout << fmt::format("max |executor - torch::nn| on the same weights: {:.3g}\n", diff);
    if (diff > 1e-3) {
      std::cerr << "the two networks disagree: the comparison would be meaningless\n";
      return 1;
    }
  }
  torch::optim::SGD opt_ex(ex.parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  torch::optim::SGD opt_ref(ref->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));

  auto time_forward = [&](auto&& f) {
    torch::NoGradGuard ng;
    pk::Timer t;
    f(x);
    return t.seconds();
  };
  auto step = [&](auto&& f, torch::optim::Optimizer& opt) {
    pk::Timer t;
    auto loss = torch::nn::functional::cross_entropy(f(x), labels);
    opt.zero_grad();
    loss.backward();
    opt.step();
    return t.seconds();
  };
  auto ex_fwd = [&](const torch::Tensor& in) { return ex.forward(in); };
  auto ref_fwd = [&](const torch::Tensor& in) { return ref->forward(in); };

  std::vector<double> fe, fr, te, tr;
  for (int warm = 0; warm < 2; ++warm) {  // warm-up
    ex.eval();
    ref->eval();
    time_forward(ex_fwd);
    time_forward(ref_fwd);
  }
  for (int r = 0; r < reps; ++r) {  // interleaved so both see the same machine load
    ex.eval();
    ref->eval();
    fe.push_back(time_forward(ex_fwd));
    fr.push_back(time_forward(ref_fwd));
    ex.train();
    ref->train();
    te.push_back(step(ex_fwd, opt_ex));
    tr.push_back(step(ref_fwd, opt_ref));
  }
  const double fwd_ex = batch / median(fe), fwd_ref = batch / median(fr);
  const double trn_ex = batch / median(te), trn_ref = batch / median(tr);
  std::cout << fmt::format("ResNet-20, input {}x{}x{}, batch {}, {} threads, {} reps (median)\n", channels, size, size,
                           batch, threads, reps);
  std::cout << fmt::format("{:<12} {:>14} {:>14} {:>8}\n", "", "executor img/s", "torch::nn img/s", "ratio");
  std::cout << fmt::format("{:<12} {:>14.0f} {:>14.0f} {:>8.3f}\n", "forward", fwd_ex, fwd_ref, fwd_ex / fwd_ref);
  std::cout << fmt::format("{:<12} {:>14.0f} {:>14.0f} {:>8.3f}\n", "train step", trn_ex, trn_ref, trn_ex / trn_ref);
  if (!json_path.empty()) {
    nlohmann::json j{{"model", "resnet20"},          {"batch", batch},
                     {"threads", threads},           {"reps", reps},
                     {"forward_executor", fwd_ex},   {"forward_torch_nn", fwd_ref},
                     {"forward_ratio", fwd_ex / fwd_ref}, {"train_executor", trn_ex},
                     {"train_torch_nn", trn_ref},    {"train_ratio", trn_ex / trn_ref}};
    std::ofstream(json_path) << j.dump(2) << "\n";
  }
  return 0;
}
