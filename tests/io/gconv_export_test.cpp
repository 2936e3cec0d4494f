// Group-convolution pruned networks in the deployment formats: real grouped convs, with
// ChannelPermute (Gather) only where a permutation could not be folded, must pass onnx.checker,
// run in ONNX Runtime and load as TorchScript with the executor's output.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <numeric>
#include <random>

#include "io/onnx_model.h"
#include "io/torchscript_export.h"
#include "io_test_graphs.h"
#include "io_test_util.h"
#include "prune/regroup_convs.h"

namespace pk {
namespace {

using namespace pk::iotest;

std::vector<int> shuffled(int n, std::mt19937& rng) {
  std::vector<int> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}

/// Every other dense conv whose channels allow 2 or 4 groups, with random blocks.
std::map<std::string, ConvRegroup> some_regroups(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::map<std::string, ConvRegroup> out;
  int k = 0;
  for (int i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    if (n.op != OpKind::kConv2d || n.attr<ConvAttrs>().groups != 1) continue;
    const int f = static_cast<int>(n.shape.channels());
    const int c = static_cast<int>(g.node(g.input_indices(i)[0]).shape.channels());
    const int groups = f % 4 == 0 && c % 4 == 0 ? 4 : f % 2 == 0 && c % 2 == 0 ? 2 : 1;
    if (groups == 1 || k++ % 2 == 1) continue;
    out[n.name] = ConvRegroup{groups, {shuffled(f, rng), shuffled(c, rng)}};
  }
  return out;
}

struct Regrouped {
  std::string label;
  PrunedNetwork net;
  int permutes = 0;
};

std::vector<Regrouped> regrouped_nets() {
  std::vector<Regrouped> nets;
  uint32_t seed = 1;
  for (const char* model : {"resnet20", "vgg16", "mobilenetv2"}) {
    ModelOptions o{1, 28, 10, 0.5};
    const Graph g = build_model(model, o);
    Regrouped r{model, regroup_convs(g, test_weights(g, seed), some_regroups(g, seed)), 0};
    for (const Node& n : r.net.graph.nodes()) r.permutes += n.op == OpKind::kChannelPermute;
    nets.push_back(std::move(r));
    ++seed;
  }
  return nets;
}

torch::Tensor input_for(const Graph& g) {
  std::vector<int64_t> shape{2};
  const Shape& s = g.node(g.input_names().at(0)).shape;
  shape.insert(shape.end(), s.dims.begin(), s.dims.end());
  torch::manual_seed(3);
  return torch::randn(shape);
}

TEST(GconvExport, OnnxPassesCheckerAndMatchesOnnxRuntime) {
  if (auto why = python_onnx_missing(); !why.empty()) GTEST_SKIP() << why;
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir = temp_dir();
  const auto nets = regrouped_nets();
  std::vector<std::string> files;
  std::vector<torch::Tensor> inputs, expected;
  int permutes = 0;
  for (const auto& r : nets) {
    files.push_back((dir / ("gconv_" + r.label + ".onnx")).string());
    export_onnx(files.back(), r.net.graph, r.net.weights);
    inputs.push_back(input_for(r.net.graph));
    expected.push_back(run_executor(r.net.graph, r.net.weights, inputs.back()));
    permutes += r.permutes;
  }
  EXPECT_GT(permutes, 0) << "no net kept a ChannelPermute: the Gather path is untested";
  CommandResult check = onnx_check(files);
  EXPECT_EQ(check.code, 0) << check.output;
  const auto outs = run_ort(files, inputs);
  for (size_t k = 0; k < nets.size(); ++k) {
    const double diff = max_abs_diff(outs[k], expected[k]);
    EXPECT_LE(diff, 1e-4) << nets[k].label << ": ORT vs executor";
    std::cout << fmt::format("  gconv {:<12} {} ChannelPermute, ORT vs executor max |diff| {:.2e}\n", nets[k].label,
                             nets[k].permutes, diff);
  }
}

TEST(GconvExport, TorchScriptLoadsWithTheExecutorsOutput) {
  const fs::path dir = temp_dir();
  for (const auto& r : regrouped_nets()) {
    const std::string file = (dir / ("gconv_" + r.label + ".pt")).string();
    export_torchscript(file, r.net.graph, r.net.weights);
    const torch::Tensor x = input_for(r.net.graph);
    torch::jit::Module loaded = torch::jit::load(file);
    torch::NoGradGuard no_grad;
    const torch::Tensor y = loaded.forward({x}).toTensor();
    EXPECT_LE(max_abs_diff(y, run_executor(r.net.graph, r.net.weights, x)), 1e-5) << r.label;
  }
}

}  // namespace
}  // namespace pk
