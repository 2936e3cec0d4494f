#include "torchvision_check.h"

#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include "graph/cost.h"
#include "io/onnx_model.h"
#include "io_test_util.h"

namespace pk::iotest {

void check_torchvision_family(const std::string& model, int size) {
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  auto t0 = clock::now();
  const Fixture f = torchvision_fixture(model, size);
  const double fixture_s = seconds(t0);
  t0 = clock::now();
  ModelFile m = import_onnx(f.onnx);
  const double import_s = seconds(t0);
  const torch::Tensor y = run_executor(m.graph, m.weights, f.input);
  const double scale = f.output.abs().max().item<double>();  // relative to the output's own scale
  const double diff = max_abs_diff(y, f.output);
  EXPECT_LE(diff, 1e-4 * scale) << model << ": executor vs PyTorch";
  const GraphCost cost = graph_cost(m.graph);
  std::string ort = "ORT skipped: " + ort_missing();
  if (ort_missing().empty()) {
    const fs::path out = temp_dir() / (model + ".onnx");
    export_onnx(out.string(), m.graph, m.weights);
    const torch::Tensor z = run_ort({out.string()}, {f.input}).at(0);
    const double ort_diff = max_abs_diff(z, f.output);
    EXPECT_LE(ort_diff, 1e-4 * scale) << model << ": ONNX Runtime (prunekit export) vs PyTorch";
    ort = fmt::format("ORT(prunekit export) vs torch {:.2e}", ort_diff);
  }
  std::cout << fmt::format(
      "  {} {}x{}: {} nodes, {} MACs, {} params; executor vs torch max|diff| {:.2e} (max|y| {:.3g}); {}; "
      "fixture {:.1f}s import {:.2f}s\n",
      model, size, size, m.graph.size(), cost.macs, cost.params, diff, scale, ort, fixture_s, import_s);
}

}  // namespace pk::iotest
