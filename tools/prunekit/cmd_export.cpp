// prunekit export: a model (file, .onnx or built-in name) → ONNX, TorchScript or a .pkm file,
// verified after writing (ONNX and .pkm: read back, graph, weights and output compared;
// TorchScript: reloaded with torch::jit::load and run against prunekit's executor).
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "io/network_file.h"
#include "io/verify_network.h"
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
  int threads = 0;  // 0 = all cores (the verification runs the model)
  ModelOptions zoo{1, 28, 10, 1.0};
};

void run(const ExportCommandOptions& o) {
  const std::optional<NetworkFormat> by_extension = network_format_from_extension(o.out);
  PK_CHECK(!o.format.empty() || by_extension.has_value(),
           "cannot tell the format of '{}' from its extension; give --format onnx|torchscript|pkm or name the file "
           ".onnx, .pt or .pkm",
           o.out);
  const NetworkFormat format = o.format.empty() ? *by_extension : parse_network_format(o.format);
  check_writable_path(o.out);
  const int threads = configure_threads(o.threads);
  print_resolved_options("export", {{"model", o.model},
                                    {"out", o.out},
                                    {"format", network_format_name(format)},
                                    {"seed", o.seed},
                                    {"verify", o.verify},
                                    {"threads", threads}});
  LoadedModel m = load_model_source(o.model, o.zoo, o.seed);
  save_network(o.out, m.graph, m.weights, m.metadata, format);
  const GraphCost cost = graph_cost(m.graph);
  std::cout << fmt::format("wrote    {} ({}, {} bytes)\n", o.out, network_format_name(format),
                           std::filesystem::file_size(o.out));
  std::cout << fmt::format("model    {}: {} nodes, {} MACs, {} params\n", o.model, m.graph.size(),
                           human_count(cost.macs), human_count(cost.params));
  if (o.verify) std::cout << "verified " << verify_network_file(o.out, format, m.graph, m.weights) << "\n";
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
  cmd->add_flag("!--no-verify", o->verify, "skip reading the written file back and comparing it");
  add_threads_option(cmd, o->threads);
  cmd->add_option("--seed", o->seed, "built-in models: seed of the fresh weights")->capture_default_str();
  cmd->add_option("--in-channels", o->zoo.in_channels, "built-in models: input channels")->capture_default_str();
  cmd->add_option("--input-size", o->zoo.input_size, "built-in models: input height = width")->capture_default_str();
  cmd->add_option("--num-classes", o->zoo.num_classes, "built-in models: classes")->capture_default_str();
  cmd->add_option("--width", o->zoo.width, "built-in models: width multiplier")->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace pk::cli
