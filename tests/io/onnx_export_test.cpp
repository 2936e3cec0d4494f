// ONNX export checked by real consumers: onnx.checker (full_check) in Debian's python3-onnx and
// ONNX Runtime (npm onnxruntime-node) must accept every zoo model and give the executor's output;
// import(export(m)) must give back m (graph text, weights, outputs).
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/ranges.h>

#include <fstream>
#include <map>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/text_format.h"
#include "io/onnx_model.h"
#include "io/onnx_proto.h"
#include "io_test_graphs.h"
#include "io_test_util.h"

namespace pk {
namespace {

using namespace pk::iotest;

constexpr double kTolerance = 1e-4;

struct Net {
  std::string label;
  Graph graph;
  WeightStore weights;
};

std::vector<Net> all_nets() {
  std::vector<Net> nets;
  uint64_t seed = 1;
  for (const auto& c : zoo_cases()) {
    Graph g = build_model(c.model, c.options);
    nets.push_back({c.label(), g, test_weights(g, seed++)});
  }
  Graph g = all_ops_net();
  nets.push_back({"all_ops", g, test_weights(g, 99)});
  return nets;
}

torch::Tensor random_input(const Graph& g, int64_t batch, uint64_t seed) {
  std::vector<int64_t> shape{batch};
  const Shape& s = g.node(g.input_names().at(0)).shape;
  shape.insert(shape.end(), s.dims.begin(), s.dims.end());
  torch::manual_seed(static_cast<int64_t>(seed));
  return torch::randn(shape);
}

TEST(OnnxExport, EveryZooModelPassesCheckerAndMatchesOnnxRuntime) {
  if (auto why = python_onnx_missing(); !why.empty()) GTEST_SKIP() << why;
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir = temp_dir();
  std::vector<Net> nets = all_nets();
  std::vector<std::string> files;
  std::vector<torch::Tensor> inputs, expected;
  for (size_t k = 0; k < nets.size(); ++k) {
    files.push_back((dir / (nets[k].label + ".onnx")).string());
    export_onnx(files.back(), nets[k].graph, nets[k].weights);
    inputs.push_back(random_input(nets[k].graph, 2, k));  // batch 2: the batch dimension is dynamic
    expected.push_back(run_executor(nets[k].graph, nets[k].weights, inputs.back()));
  }
  CommandResult check = onnx_check(files);
  EXPECT_EQ(check.code, 0) << check.output;
  std::vector<torch::Tensor> outs = run_ort(files, inputs);
  for (size_t k = 0; k < nets.size(); ++k) {
    const double diff = max_abs_diff(outs[k], expected[k]);
    // Relative to the output's size: random-weight YOLOv3 maps reach ~1e3.
    EXPECT_LE(diff, kTolerance * std::max(1.0, expected[k].abs().max().item<double>()))
        << nets[k].label << ": ORT vs executor, output scale "
                                << expected[k].abs().max().item<float>();
    std::cout << fmt::format("  {:<28} ORT vs executor max |diff| {:.2e} (max |y| {:.2f})\n", nets[k].label, diff,
                             expected[k].abs().max().item<float>());
  }
}

TEST(OnnxExport, ImportOfExportIsTheSameNetwork) {
  for (const Net& net : all_nets()) {
    SCOPED_TRACE(net.label);
    ModelFile back = import_onnx_model(onnx_model_bytes(net.graph, net.weights), net.label + ".onnx");
    EXPECT_EQ(graph_to_text(back.graph), graph_to_text(net.graph));
    EXPECT_TRUE(back.graph == net.graph);
    for (const auto& [node, tensors] : net.weights.all())
      for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(back.weights.get(node, name), t)) << node << "." << name;
    EXPECT_EQ(back.weights.all().size(), net.weights.all().size());
    const torch::Tensor x = random_input(net.graph, 3, 5);
    EXPECT_TRUE(torch::equal(run_executor(back.graph, back.weights, x), run_executor(net.graph, net.weights, x)));
    EXPECT_EQ(back.metadata["source"]["producer"], "prunekit");
  }
}

TEST(OnnxExport, DeclaresOpset13DynamicBatchAndValueInfoForEveryValue) {
  Graph g = all_ops_net();
  const onnx::ModelProto m = parse_onnx_model(onnx_model_bytes(g, test_weights(g, 3)), "all_ops.onnx");
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.producer_name(), "prunekit");
  std::set<std::string> typed;
  for (const auto& v : m.graph().value_info()) typed.insert(v.name());
  for (const auto& v : m.graph().output()) typed.insert(v.name());
  for (const auto& v : m.graph().input()) {
    EXPECT_EQ(v.type().tensor_type().shape().dim(0).dim_param(), "N");
    typed.insert(v.name());
  }
  for (const auto& v : m.graph().output()) EXPECT_EQ(v.type().tensor_type().shape().dim(0).dim_param(), "N");
  for (const auto& n : m.graph().node())
    for (const auto& o : n.output()) EXPECT_TRUE(typed.count(o)) << "no value_info for " << o;
  std::map<std::string, int> ops;
  for (const auto& n : m.graph().node()) ++ops[n.op_type()];
  EXPECT_EQ(ops["Gather"], 1);  // ChannelPermute
  EXPECT_EQ(ops["Clip"], 1);    // ReLU6
  EXPECT_EQ(ops["Sigmoid"], 2);  // SiLU + the SE gate
  EXPECT_EQ(ops["Resize"], 1);
  EXPECT_EQ(ops["Gemm"], 2);
  EXPECT_EQ(ops["ReduceMean"], 4);  // the mean and variance of 2 LayerNorms (opset 13 has no LayerNormalization)
  EXPECT_EQ(ops["Erf"], 1);         // GELU
  for (const auto& n : m.graph().node()) {
    if (n.name() != "block.gconv") continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == "group") {
        EXPECT_EQ(a.i(), 4);
      }
    }
  }
}

// The ONNX node list of the all-ops net (op, name, inputs → output, attributes) as a golden file:
// a change of the mapping shows up as a diff. Regenerate deliberately with PK_UPDATE_GOLDEN=1.
TEST(OnnxExport, GoldenNodeList) {
  Graph g = all_ops_net();
  const onnx::ModelProto m = parse_onnx_model(onnx_model_bytes(g, test_weights(g, 3)), "all_ops.onnx");
  std::string text;
  for (const auto& n : m.graph().node()) {
    text += fmt::format("{} {}({}) -> {}", n.op_type(), n.name(), fmt::join(n.input(), ", "), n.output(0));
    for (const auto& a : n.attribute()) {
      if (a.type() == onnx::AttributeProto::INTS) text += fmt::format(" {}=[{}]", a.name(), fmt::join(a.ints(), ","));
      if (a.type() == onnx::AttributeProto::INT) text += fmt::format(" {}={}", a.name(), a.i());
      if (a.type() == onnx::AttributeProto::FLOAT) text += fmt::format(" {}={}", a.name(), a.f());
      if (a.type() == onnx::AttributeProto::STRING) text += fmt::format(" {}={}", a.name(), a.s());
    }
    text += "\n";
  }
  for (const auto& t : m.graph().initializer()) text += fmt::format("initializer {} [{}]\n", t.name(), fmt::join(t.dims(), ","));
  const std::string path = std::string(PK_GOLDEN_DIR) + "/io/all_ops_net.onnx.txt";
  const char* update = std::getenv("PK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
    GTEST_SKIP() << "rewrote " << path;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing; create it with PK_UPDATE_GOLDEN=1";
  EXPECT_EQ(text, read_file(path)) << "rerun with PK_UPDATE_GOLDEN=1 if the change is intended";
}

TEST(OnnxExport, WritesAtomicallyAndRejectsMismatchedWeights) {
  const fs::path dir = temp_dir();
  Graph g = build_model("resnet20", {1, 28, 10, 1.0});
  WeightStore w = test_weights(g, 1);
  EXPECT_THROW(export_onnx("/nonexistent-dir/m.onnx", g, w), UserError);
  const fs::path path = dir / "m.onnx";
  std::ofstream(path) << "old";
  WeightStore wrong = w.clone();
  wrong.set("conv1", "weight", torch::zeros({3}));
  try {
    export_onnx(path.string(), g, wrong);
    ADD_FAILURE() << "exported mismatched weights";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("conv1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(path.string()), "old");
  export_onnx(path.string(), g, w);
  EXPECT_TRUE(import_onnx(path.string()).graph == g);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
}

}  // namespace
}  // namespace pk
