#include "io/verify_network.h"

#include <torch/script.h>

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "exec/executor.h"
#include "io/onnx_model.h"

namespace pk {
namespace {

/// A batch of 2 standard-normal inputs (seed 0) of `g`'s only input; undefined with several inputs.
torch::Tensor verification_batch(const Graph& g) {
  const auto inputs = g.input_names();
  if (inputs.size() != 1) return {};
  std::vector<int64_t> shape{2};
  const auto& dims = g.node(inputs[0]).shape.dims;
  shape.insert(shape.end(), dims.begin(), dims.end());
  torch::manual_seed(0);
  return torch::randn(shape);
}

torch::Tensor run_executor(const Graph& g, const WeightStore& w, const torch::Tensor& x) {
  Executor executor(g, w);
  executor.eval();
  return executor.forward(x);
}

/// Every tensor of `expected` is in `got` with the same shape and values (bit for bit).
void check_same_weights(const WeightStore& expected, const WeightStore& got, const std::string& path) {
  for (const auto& [node, tensors] : expected.all())
    for (const auto& [name, t] : tensors) {
      PK_CHECK(got.has(node, name), "verification failed: '{}' has no tensor {}.{}", path, node, name);
      PK_CHECK(torch::equal(got.get(node, name), t), "verification failed: tensor {}.{} of '{}' differs", node, name,
               path);
    }
}

/// The written file's output on a random batch equals prunekit's within 1e-4 (relative to the
/// output's scale); returns the largest difference.
double check_same_output(const torch::Tensor& got, const torch::Tensor& expected, const std::string& path,
                         const char* reader) {
  const double diff = (got - expected).abs().max().item<double>();
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  PK_CHECK(diff <= 1e-4 * scale, "verification failed: '{}' read back by {} differs by {} from prunekit on a random batch",
           path, reader, diff);
  return diff;
}

}  // namespace

std::string verify_network_file(const std::string& path, NetworkFormat format, const Graph& graph,
                                const WeightStore& weights) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = verification_batch(graph);
  const torch::Tensor expected = x.defined() ? run_executor(graph, weights, x) : torch::Tensor();
  if (format == NetworkFormat::kTorchScript) {
    if (!x.defined()) return "not run (several inputs)";
    torch::jit::Module loaded = torch::jit::load(path);
    c10::IValue out = loaded.forward({x});
    const torch::Tensor y = out.isTuple() ? out.toTuple()->elements().at(0).toTensor() : out.toTensor();
    const double diff = check_same_output(y, expected, path, "torch::jit::load");
    return fmt::format("reloaded with torch::jit::load: max |diff| {:.1e} vs prunekit on a random batch", diff);
  }
  const bool onnx = format == NetworkFormat::kOnnx;
  ModelFile back = onnx ? import_onnx(path) : load_model(path);
  PK_CHECK(back.graph == graph, "verification failed: '{}' does not {} to the same graph", path,
           onnx ? "re-import" : "reload");
  check_same_weights(weights, back.weights, path);
  std::string outputs = "several inputs: outputs not compared";
  if (x.defined()) {
    const double diff = check_same_output(run_executor(back.graph, back.weights, x), expected, path, "prunekit");
    outputs = fmt::format("same output on a random batch (max |diff| {:.1e})", diff);
  }
  return fmt::format("{}: same graph, same weights, {}", onnx ? "re-imported" : "reloaded", outputs);
}

}  // namespace pk
