// prunekit export: a model (file, .onnx or built-in name) → ONNX, TorchScript or a .pkm file,
// verified after writing (ONNX: re-imported and compared; TorchScript: reloaded with
// torch::jit::load and run against prunekit's executor).
#include <filesystem>
#include <iostream>
#include <optional>

#include <torch/script.h>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "exec/executor.h"
#include "graph/cost.h"
#include "io/network_file.h"
#include "io/onnx_model.h"
#include "model_source.h"

namespace pk::cli {
namespace {

struct ExportCommandOptions {
  std::string model;
  std::string out;
  std::string format;  // "" = from the extension of --out
  bool verify = true;
  uint64_t seed = 0;
  ModelOptions zoo{1, 28, 10, 1.0};
};

/// Runs `graph` in prunekit's executor and the written file's consumer on the same random batch.
std::string verify(NetworkFormat format, const std::string& path, const LoadedModel& m) {
  torch::NoGradGuard no_grad;
  switch (format) {
    case NetworkFormat::kOnnx: {
      ModelFile back = import_onnx(path);
      PK_CHECK(back.graph == m.graph, "verification failed: '{}' does not re-import to the same graph", path);
      return "re-imported: same graph and weights";
    }
    case NetworkFormat::kTorchScript: {
      const auto inputs = m.graph.input_names();
      if (inputs.size() != 1) return "not run (several inputs)";
      std::vector<int64_t> shape{2};
      const auto& dims = m.graph.node(inputs[0]).shape.dims;
      shape.insert(shape.end(), dims.begin(), dims.end());
      torch::manual_seed(0);
      const torch::Tensor x = torch::randn(shape);
      Executor executor(m.graph, m.weights);
      executor.eval();
      const torch::Tensor expected = executor.forward(x);
      torch::jit::Module loaded = torch::jit::load(path);
      c10::IValue out = loaded.forward({x});
      const torch::Tensor y = out.isTuple() ? out.toTuple()->elements().at(0).toTensor() : out.toTensor();
      const double diff = (y - expected).abs().max().item<double>();
      PK_CHECK(diff <= 1e-4, "verification failed: '{}' loaded with torch::jit::load differs by {} from prunekit", path,
               diff);
      return fmt::format("reloaded with torch::jit::load: max |diff| {:.1e} vs prunekit on a random batch", diff);
    }
    case NetworkFormat::kPkm: {
      ModelFile back = load_model(path);
      PK_CHECK(back.graph == m.graph, "verification failed: '{}' does not reload to the same graph", path);
      return "reloaded: same graph";
    }
  }
  return "";
}

void run(const ExportCommandOptions& o) {
  const std::optional<NetworkFormat> by_extension = network_format_from_extension(o.out);
  PK_CHECK(!o.format.empty() || by_extension.has_value(),
           "cannot tell the format of '{}' from its extension; give --format onnx|torchscript|pkm or name the file "
           ".onnx, .pt or .pkm",
           o.out);
  const NetworkFormat format = o.format.empty() ? *by_extension : parse_network_format(o.format);
  check_writable_path(o.out);
  print_resolved_options("export",
                         {{"model", o.model}, {"out", o.out}, {"format", network_format_name(format)}, {"seed", o.seed}});
  LoadedModel m = load_model_source(o.model, o.zoo, o.seed);
  save_network(o.out, m.graph, m.weights, m.metadata, format);
  const GraphCost cost = graph_cost(m.graph);
  std::cout << fmt::format("wrote    {} ({}, {} bytes)\n", o.out, network_format_name(format),
                           std::filesystem::file_size(o.out));
  std::cout << fmt::format("model    {}: {} nodes, {} MACs, {} params\n", o.model, m.graph.size(),
                           human_count(cost.macs), human_count(cost.params));
  if (o.verify) std::cout << "verified " << verify(format, o.out, m) << "\n";
}

}  // namespace

Action register_export(CLI::App& app) {
  auto o = std::make_shared<ExportCommandOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Write a model as ONNX (opset 13), TorchScript or a prunekit model file.");
  cmd->footer(
      "Examples:\n  prunekit export --model pruned.pkm --out pruned.onnx\n"
      "  prunekit export --model pruned.pkm --format torchscript --out pruned.pt\n"
      "  prunekit export --model resnet18.onnx --out resnet18.pkm\n"
      "The format comes from --format or the extension (.onnx, .pt/.ts/.torchscript, .pkm). ONNX files have a dynamic\n"
      "batch dimension and load in ONNX Runtime; TorchScript files load with torch.jit.load / torch::jit::load.");
  cmd->add_option("--model,model", o->model, "model file (.pkm or .onnx) or built-in model name")->required();
  cmd->add_option("--out", o->out, "output file")->required();
  cmd->add_option("--format", o->format, "onnx, torchscript or pkm (default: from the --out extension)");
  cmd->add_flag("!--no-verify", o->verify, "skip reloading the written file");
  cmd->add_option("--seed", o->seed, "built-in models: seed of the fresh weights")->capture_default_str();
  cmd->add_option("--in-channels", o->zoo.in_channels, "built-in models: input channels")->capture_default_str();
  cmd->add_option("--input-size", o->zoo.input_size, "built-in models: input height = width")->capture_default_str();
  cmd->add_option("--num-classes", o->zoo.num_classes, "built-in models: classes")->capture_default_str();
  cmd->add_option("--width", o->zoo.width, "built-in models: width multiplier")->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace pk::cli
