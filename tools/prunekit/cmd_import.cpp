// prunekit import: an ONNX file (e.g. from torch.onnx.export) → a prunekit model file (.pkm).
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/cost.h"
#include "io/onnx_import.h"
#include "io/network_file.h"
#include "io/onnx_model.h"
#include "weights/model_file.h"

namespace pk::cli {
namespace {

struct ImportCommandOptions {
  std::string input;  // .onnx
  std::string out;    // .pkm
  bool json = false;
};

void run(const ImportCommandOptions& o) {
  PK_CHECK(network_format_from_path(o.out) == NetworkFormat::kPkm,
           "import writes a prunekit model file, but --out '{}' names a {} file; use a .pkm name, or convert with "
           "`prunekit export --model {} --out {}`",
           o.out, network_format_name(network_format_from_path(o.out)), o.input, o.out);
  check_writable_path(o.out);
  print_resolved_options("import", {{"input", o.input}, {"out", o.out}});
  ModelFile m = import_onnx(o.input);
  save_model(o.out, m.graph, m.weights, m.metadata);
  const GraphCost cost = graph_cost(m.graph);
  std::map<std::string, int> ops;
  for (const auto& n : m.graph.nodes()) ++ops[op_name(n.op)];
  if (o.json) {
    std::cout << nlohmann::json{{"input", o.input},   {"out", o.out},         {"nodes", m.graph.size()},
                                {"ops", ops},         {"macs", cost.macs},    {"params", cost.params},
                                {"inputs", m.graph.input_names()}, {"outputs", m.graph.outputs()},
                                {"source", m.metadata["source"]}}
                     .dump(2)
              << "\n";
    return;
  }
  std::string op_list;
  for (const auto& [op, count] : ops) op_list += fmt::format("{}{} {}", op_list.empty() ? "" : ", ", count, op);
  const auto& src = m.metadata["source"];
  std::cout << fmt::format("imported {} (opset {}, from {} {})\n", o.input, src.value("opset", 0),
                           src.value("producer", std::string("?")), src.value("producer_version", std::string()));
  for (const auto& in : m.graph.input_names())
    std::cout << fmt::format("input    {} [N,{}]\n", in, fmt::join(m.graph.node(in).shape.dims, ","));
  for (const auto& out : m.graph.outputs())
    std::cout << fmt::format("output   {} [N,{}]\n", out, fmt::join(m.graph.node(out).shape.dims, ","));
  std::cout << fmt::format("nodes    {} ({})\n", m.graph.size(), op_list);
  std::cout << fmt::format("MACs     {} ({})\nparams   {} ({})\n", cost.macs, human_count(cost.macs), cost.params,
                           human_count(cost.params));
  std::cout << fmt::format("wrote    {}\n", o.out);
}

}  // namespace

Action register_import(CLI::App& app) {
  auto o = std::make_shared<ImportCommandOptions>();
  CLI::App* cmd = app.add_subcommand("import", "Convert an ONNX model (opset 11-17) into a prunekit model file.");
  cmd->footer(
      "Example:\n  prunekit import resnet18.onnx --out resnet18.pkm\n"
      "Supported ONNX ops: " + fmt::format("{}", fmt::join(onnx_supported_ops(), ", ")) +
      ".\nAny other op is reported with the node's name. Every --model option also accepts a .onnx file directly.");
  cmd->add_option("input", o->input, "ONNX file (.onnx)")->required();
  cmd->add_option("--out", o->out, "output model file (.pkm)")->required();
  cmd->add_flag("--json", o->json, "machine-readable summary");
  return [o] { run(*o); };
}

}  // namespace pk::cli
