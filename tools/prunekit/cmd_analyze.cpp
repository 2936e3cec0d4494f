// prunekit analyze: per-layer table of a model (name, op, output shape, MACs, params).
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "analysis/analysis_text.h"
#include "analysis/channel_analysis.h"
#include "graph/cost.h"
#include "model_source.h"
#include "search/gconv_search.h"

namespace pk::cli {
namespace {

struct AnalyzeCommandOptions {
  std::string model;
  bool json = false;
  ModelOptions zoo{1, 28, 10, 1.0};  // defaults fit Fashion-MNIST
};

/// Candidate group counts of the gconv search (its defaults) with the share of each conv's weight
/// mass outside the blocks.
nlohmann::json group_costs_json(const std::vector<ConvGroupCosts>& convs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : convs) {
    nlohmann::json candidates = nlohmann::json::array();
    for (size_t k = 1; k < c.choice.groups.size(); ++k)
      candidates.push_back({{"groups", c.choice.groups[k]}, {"cost", c.choice.cost[k]},
                            {"cost_share", c.total_mass > 0 ? c.choice.cost[k] / c.total_mass : 0.0}});
    out.push_back({{"conv", c.choice.conv}, {"candidates", candidates}});
  }
  return out;
}

std::string group_costs_text(const std::vector<ConvGroupCosts>& convs) {
  std::string text;
  for (const auto& c : convs) {
    text += fmt::format("  {}:", c.choice.conv);
    for (size_t k = 1; k < c.choice.groups.size(); ++k)
      text += fmt::format(" G={} {:.0f}%", c.choice.groups[k], c.total_mass > 0 ? 100 * c.choice.cost[k] / c.total_mass : 0.0);
    text += "\n";
  }
  return text;
}

void run(const AnalyzeCommandOptions& o) {
  print_resolved_options("analyze", {{"model", o.model}, {"json", o.json}, {"zoo", zoo_options_json(o.zoo)}});
  LoadedModel m = load_model_source(o.model, o.zoo, 0);
  const Graph& g = m.graph;
  const GraphCost cost = graph_cost(g);
  const ChannelAnalysis analysis = analyze_channels(g);
  GconvSearchOptions gconv_defaults;
  // A bar on a terminal only: the table takes seconds on ImageNet-size models (5.8 s on ResNet-50),
  // and logs of small models stay as they were.
  gconv_defaults.show_progress = ::isatty(STDERR_FILENO) != 0;
  const std::vector<ConvGroupCosts> group_costs = conv_group_costs(g, m.weights, gconv_defaults);
  if (o.json) {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& grp : analysis.groups()) {
      nlohmann::json members = nlohmann::json::array();
      for (const auto& m : grp.members)
        members.push_back({{"node", g.node(m.node).name}, {"role", role_name(m.role)}, {"channels", m.channels}});
      groups.push_back({{"name", grp.name},
                        {"size", grp.size},
                        {"prunable", grp.prunable},
                        {"reason", grp.reason},
                        {"blocks", grp.blocks},  // > 1: keeps a multiple, equal per block
                        {"members", members}});
    }
    nlohmann::json blocks = nlohmann::json::array();
    for (const auto& blk : analysis.blocks()) {
      std::vector<std::string> branch;
      for (int n : blk.branch) branch.push_back(g.node(n).name);
      blocks.push_back({{"add", g.node(blk.add).name},
                        {"entry", blk.entry >= 0 ? g.node(blk.entry).name : ""},
                        {"removable", blk.removable},
                        {"reason", blk.reason},
                        {"branch", branch}});
    }
    nlohmann::json layers = nlohmann::json::array();
    for (int i = 0; i < g.size(); ++i) {
      const Node& n = g.node(i);
      layers.push_back({{"name", n.name},
                        {"op", op_name(n.op)},
                        {"inputs", n.inputs},
                        {"shape", n.shape.dims},
                        {"macs", cost.per_node[i].macs},
                        {"params", cost.per_node[i].params}});
    }
    std::cout << nlohmann::json{{"model", o.model}, {"macs", cost.macs}, {"params", cost.params}, {"layers", layers},
                                 {"groups", groups}, {"blocks", blocks},
                                 {"gconv_candidates", group_costs_json(group_costs)}}
                     .dump(2)
              << "\n";
    return;
  }
  size_t width = 4;
  for (const auto& n : g.nodes()) width = std::max(width, n.name.size());
  std::cout << fmt::format("{:<{}}  {:<14} {:>12} {:>14} {:>10} {:>6}\n", "name", width, "op", "output", "MACs",
                           "params", "MACs%");
  for (int i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    const auto& c = cost.per_node[i];
    std::cout << fmt::format("{:<{}}  {:<14} {:>12} {:>14} {:>10} {:>5.1f}%\n", n.name, width, op_name(n.op),
                             n.shape.str(), c.macs, c.params, cost.macs ? 100.0 * c.macs / cost.macs : 0.0);
  }
  std::cout << fmt::format("{:<{}}  {:<14} {:>12} {:>14} {:>10}\n", "total", width, "", "", cost.macs, cost.params);
  std::cout << fmt::format("\n{}: {} nodes, {} MACs, {} params per image\n", o.model, g.size(), human_count(cost.macs),
                           human_count(cost.params));
  AnalysisTextOptions text;
  text.values = false;
  std::cout << "\nChannel groups (pruned together) and residual blocks (removable as a whole):\n"
            << to_text(analysis, text);
  if (!group_costs.empty())
    std::cout << "\nGroup-convolution candidates (--method gconv defaults): share of each conv's weight mass "
                 "outside the blocks per group count G\n"
              << group_costs_text(group_costs);
}

}  // namespace

Action register_analyze(CLI::App& app) {
  auto o = std::make_shared<AnalyzeCommandOptions>();
  CLI::App* cmd = app.add_subcommand("analyze", "Per-layer table (op, output shape, MACs, params), channel groups and removable blocks.");
  cmd->footer(
      "Examples:\n  prunekit analyze --model base.pkm\n  prunekit analyze resnet56 --in-channels 3 --input-size 32 --json\n"
      "MACs count the multiply-accumulates of Conv2d and Linear layers for one image.");
  cmd->add_option("--model,model", o->model, "model file (.pkm or .onnx) or built-in model name")->required();
  cmd->add_flag("--json", o->json, "machine-readable output");
  cmd->add_option("--in-channels", o->zoo.in_channels, "built-in models: input channels")->capture_default_str();
  cmd->add_option("--input-size", o->zoo.input_size, "built-in models: input height = width")->capture_default_str();
  cmd->add_option("--num-classes", o->zoo.num_classes, "built-in models: classes")->capture_default_str();
  cmd->add_option("--width", o->zoo.width, "built-in models: width multiplier")->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace pk::cli
