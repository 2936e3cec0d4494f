// TorchScript export checked by its consumers: torch::jit::load in C++ (libtorch) and
// torch.jit.load in Debian's python3-torch must run every zoo model with the executor's output.
#include <gtest/gtest.h>

#include <torch/script.h>

#include <fmt/format.h>

#include <fstream>

#include "core/atomic_file.h"
#include "exec/executor.h"
#include "graph/text_format.h"
#include "io/torchscript_export.h"
#include "io_test_graphs.h"
#include "io_test_util.h"

namespace pk {
namespace {

using namespace pk::iotest;

torch::Tensor input_for(const Graph& g, int64_t batch) {
  std::vector<int64_t> shape{batch};
  const Shape& s = g.node(g.input_names().at(0)).shape;
  shape.insert(shape.end(), s.dims.begin(), s.dims.end());
  torch::manual_seed(7);
  return torch::randn(shape);
}

TEST(TorchScript, EveryZooModelLoadsInCppAndPythonWithTheExecutorsOutput) {
  const std::string no_python = python_torch_missing();
  const fs::path dir = temp_dir();
  std::vector<std::string> files, labels;
  std::vector<torch::Tensor> inputs, expected;
  std::vector<std::pair<Graph, WeightStore>> nets;
  uint64_t seed = 1;
  for (const auto& c : zoo_cases()) {
    Graph g = build_model(c.model, c.options);
    nets.emplace_back(g, test_weights(g, seed++));
    labels.push_back(c.label());
  }
  Graph all = all_ops_net();
  nets.emplace_back(all, test_weights(all, 5));
  labels.push_back("all_ops");
  for (size_t k = 0; k < nets.size(); ++k) {
    SCOPED_TRACE(labels[k]);
    files.push_back((dir / (labels[k] + ".pt")).string());
    export_torchscript(files.back(), nets[k].first, nets[k].second);
    inputs.push_back(input_for(nets[k].first, 2));
    expected.push_back(run_executor(nets[k].first, nets[k].second, inputs.back()));
    torch::jit::Module loaded = torch::jit::load(files.back());
    torch::NoGradGuard no_grad;
    const c10::IValue out = loaded.forward({inputs.back()});  // detectors: a tuple, one map per scale
    torch::Tensor y = out.isTuple() ? out.toTuple()->elements().at(0).toTensor() : out.toTensor();
    EXPECT_LE(max_abs_diff(y, expected.back()), 1e-5) << "C++ torch::jit::load";
  }
  if (!no_python.empty()) GTEST_SKIP() << "python check skipped: " << no_python;
  std::vector<torch::Tensor> outs = run_python_torchscript(files, inputs);
  for (size_t k = 0; k < nets.size(); ++k) {
    const double diff = max_abs_diff(outs[k], expected[k]);
    EXPECT_LE(diff, 1e-4) << labels[k] << ": python torch.jit.load vs executor";
    std::cout << fmt::format("  {:<28} python TorchScript vs executor max |diff| {:.2e}\n", labels[k], diff);
  }
}

TEST(TorchScript, WeightsAreNamedParametersAndBuffersAndGraphTextTravelsAlong) {
  Graph g = all_ops_net();
  WeightStore w = test_weights(g, 2);
  torch::jit::Module m = to_torchscript(g, w);
  std::map<std::string, torch::Tensor> params, buffers;
  for (const auto& p : m.named_parameters()) params[p.name] = p.value;
  for (const auto& b : m.named_buffers()) buffers[b.name] = b.value;
  ASSERT_TRUE(params.count("stem_conv_weight"));
  EXPECT_TRUE(torch::equal(params["stem_conv_weight"], w.get("stem.conv", "weight")));
  EXPECT_TRUE(params.count("head_fc2_bias"));
  EXPECT_FALSE(params.count("head_fc1_bias"));  // Linear without bias
  EXPECT_TRUE(buffers.count("stem_bn_running_var"));
  EXPECT_FALSE(params.count("stem_bn_running_var"));
  EXPECT_TRUE(buffers.count("shuffle_order"));
  EXPECT_TRUE(params.count("post_norm_weight") && params.count("head_norm_bias"));  // LayerNorm affine: parameters
  // 5 conv weights + 3 conv biases + BN γ, β + 2 LayerNorms' γ, β + 2 linear weights + 1 bias
  EXPECT_EQ(params.size(), 17u);

  const fs::path path = temp_dir() / "all_ops.pt";
  export_torchscript(path.string(), g, w);
  torch::jit::ExtraFilesMap extra{{"prunekit/graph.txt", ""}};
  torch::jit::load(path.string(), c10::nullopt, extra);
  EXPECT_EQ(extra["prunekit/graph.txt"], graph_to_text(g));
}

TEST(TorchScript, SeveralOutputsReturnATupleAndOddNamesAreMangled) {
  GraphBuilder b;
  auto x = b.input("in", Shape{{2, 4, 4}});
  auto c = b.conv("0.conv-a:b", x, 3, 1, 1, 0, 1, true);
  auto t = b.relu("torch", c);
  b.output(t);
  b.output(b.flatten("def", b.global_avg_pool("self", c)));
  Graph g = b.build();
  WeightStore w = WeightStore::initialize(g, 1);
  torch::jit::Module m = to_torchscript(g, w);
  torch::Tensor xin = torch::randn({2, 2, 4, 4});
  auto out = m.forward({xin}).toTuple()->elements();
  ASSERT_EQ(out.size(), 2u);
  Executor ex(g, w);
  auto ref = ex.forward_all({xin});
  EXPECT_TRUE(torch::allclose(out[0].toTensor(), ref[0]));
  EXPECT_TRUE(torch::allclose(out[1].toTensor(), ref[1]));
}

// The generated forward of the all-ops net; regenerate deliberately with PK_UPDATE_GOLDEN=1.
TEST(TorchScript, GoldenForwardSource) {
  const std::string src = torchscript_forward_source(all_ops_net());
  const std::string path = std::string(PK_GOLDEN_DIR) + "/io/all_ops_net.torchscript.txt";
  const char* update = std::getenv("PK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file_atomically(path, [&](std::ostream& out) { out << src; });
    GTEST_SKIP() << "rewrote " << path;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing; create it with PK_UPDATE_GOLDEN=1";
  EXPECT_EQ(src, read_file(path)) << "rerun with PK_UPDATE_GOLDEN=1 if the change is intended";
}

}  // namespace
}  // namespace pk
