// prunekit apply / prune: produce a physically smaller model file.
//   apply  a plan file (JSON) on a model
//   prune  a one-shot baseline (uniform | global | random) at a MACs or params budget
#include <iostream>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/strings.h"
#include "graph/cost.h"
#include "model_source.h"
#include "plan/plan_json.h"
#include "prune/one_shot.h"
#include "prune/plan_apply.h"
#include "io/network_file.h"

namespace pk::cli {
namespace {

struct PruneCommandOptions {
  std::string model;
  std::string out;
  std::string plan_path;  // apply: input plan; prune: optional output plan
  std::string method = "uniform";
  std::string criterion = "l1";
  double target_macs = 0;
  double target_params = 0;
  int round_to = 1;
  int min_channels = 1;
  double max_ratio = 0.9;
  std::vector<std::string> frozen;
  uint64_t seed = 0;
};

Budget budget_from(const PruneCommandOptions& o) {
  PK_CHECK(!(o.target_macs > 0 && o.target_params > 0), "give one budget: --target-macs or --target-params, not both");
  Budget b;
  const double t = o.target_macs > 0 ? o.target_macs : o.target_params;
  if (t <= 0) return b;
  b.metric = o.target_macs > 0 ? BudgetMetric::kMacs : BudgetMetric::kParams;
  b.fraction = t <= 1.0;
  b.target = t;
  return b;
}

/// Applies a resolved plan, prints before/after, writes the model (and the plan if asked).
void write_pruned(const PruneCommandOptions& o, const LoadedModel& m, const ChannelAnalysis& analysis,
                  const PrunePlan& plan, nlohmann::json how) {
  PrunedNetwork pruned = plan_apply(m.graph, m.weights, analysis, plan);
  const GraphCost before = graph_cost(m.graph), after = graph_cost(pruned.graph);
  nlohmann::json metadata = m.metadata;
  metadata.erase("accuracy");  // the pruned network has not been evaluated
  metadata.erase("training");
  metadata["pruned_from"] = o.model;
  metadata["pruning"] = std::move(how);
  metadata["pruning"]["plan"] = nlohmann::json::parse(plan_to_json(plan));
  metadata["pruning"]["macs_before"] = before.macs;
  metadata["pruning"]["params_before"] = before.params;
  save_network(o.out, pruned.graph, pruned.weights, metadata);  // .pkm, .onnx or .pt by extension
  if (!o.plan_path.empty() && o.method != "apply") save_plan(o.plan_path, plan);
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>8}\n", "", "before", "after", "ratio");
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>7.1f}%\n", "MACs", human_count(before.macs), human_count(after.macs),
                           100.0 * after.macs / before.macs);
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>7.1f}%\n", "params", human_count(before.params),
                           human_count(after.params), 100.0 * after.params / before.params);
  std::cout << fmt::format("groups pruned: {} of {} prunable; blocks removed: {}\n", plan.groups.size(),
                           analysis.prunable_groups().size(), plan.removed_blocks.size());
  std::cout << fmt::format("wrote {}\n", o.out);
}

LoadedModel load_for_pruning(const PruneCommandOptions& o) {
  check_writable_path(o.out);
  if (!o.plan_path.empty() && o.method != "apply") check_writable_path(o.plan_path);
  return load_model_source(o.model, ModelOptions{1, 28, 10, 1.0}, o.seed);
}

void run_apply(PruneCommandOptions& o) {
  o.method = "apply";
  LoadedModel m = load_for_pruning(o);
  const ChannelAnalysis analysis = analyze_channels(m.graph);
  PrunePlan plan = load_plan(o.plan_path);
  plan = resolve_plan(m.graph, m.weights, analysis, plan, criterion_from_name(o.criterion));
  print_resolved_options("apply", {{"model", o.model}, {"plan", o.plan_path}, {"criterion", o.criterion}, {"out", o.out}});
  write_pruned(o, m, analysis, plan, {{"method", "apply"}, {"plan_file", o.plan_path}, {"criterion", o.criterion}});
}

void run_prune(const PruneCommandOptions& o) {
  OneShotOptions so;
  so.method = o.method;
  so.criterion = criterion_from_name(o.criterion);
  so.budget = budget_from(o);
  so.space.round_to = o.round_to;
  so.space.min_channels = o.min_channels;
  so.space.max_ratio = o.max_ratio;
  so.space.frozen_groups = o.frozen;
  so.seed = o.seed;
  nlohmann::json resolved{{"model", o.model},         {"method", o.method},         {"criterion", o.criterion},
                          {"target_macs", o.target_macs}, {"target_params", o.target_params}, {"round_to", o.round_to},
                          {"min_channels", o.min_channels}, {"max_ratio", o.max_ratio}, {"seed", o.seed},
                          {"out", o.out}};
  print_resolved_options("prune", resolved);
  LoadedModel m = load_for_pruning(o);
  const ChannelAnalysis analysis = analyze_channels(m.graph);
  OneShotResult r = one_shot_plan(m.graph, m.weights, analysis, so);
  if (!r.budget_met)
    std::cerr << "warning: the budget cannot be met within the limits (--max-ratio, --min-channels, --round-to); "
                 "writing the smallest network they allow\n";
  write_pruned(o, m, analysis, r.plan, resolved);
}

void add_common(CLI::App* cmd, PruneCommandOptions& o) {
  cmd->add_option("--model,model", o.model, "model file (.pkm) or built-in model name")->required();
  cmd->add_option("--out", o.out, "output model: .pkm, .onnx or .pt (TorchScript), by extension")->required();
  cmd->add_option("--criterion", o.criterion, "which channels to keep: " + join(known_criteria(), ", "))
      ->capture_default_str();
}

}  // namespace

Action register_apply(CLI::App& app) {
  auto o = std::make_shared<PruneCommandOptions>();
  CLI::App* cmd = app.add_subcommand("apply", "Apply a prune plan (JSON) to a model: a physically smaller model file.");
  cmd->footer(
      "Example:\n  prunekit apply --model base.pkm --plan plan.json --out pruned.pkm\n"
      "Groups given as counts keep their highest-scoring channels under --criterion. Plan format: docs/formats.md.");
  add_common(cmd, *o);
  cmd->add_option("--plan", o->plan_path, "prune plan (JSON)")->required();
  return [o] { run_apply(*o); };
}

Action register_prune(CLI::App& app) {
  auto o = std::make_shared<PruneCommandOptions>();
  CLI::App* cmd = app.add_subcommand("prune", "One-shot pruning baselines (uniform, global, random) at a budget.");
  cmd->footer(
      "Example:\n  prunekit prune --model base.pkm --method uniform --criterion l1 --target-macs 0.5 --round-to 8 --out pruned.pkm\n"
      "Targets ≤ 1 are fractions of the original, larger values absolute counts per image. Fine-tune the result with\n"
      "`prunekit finetune`.");
  add_common(cmd, *o);
  cmd->add_option("--method", o->method, "uniform, global or random")->capture_default_str();
  cmd->add_option("--target-macs", o->target_macs, "MACs budget: fraction (≤ 1) or absolute");
  cmd->add_option("--target-params", o->target_params, "params budget: fraction (≤ 1) or absolute");
  cmd->add_option("--round-to", o->round_to, "kept channel counts are multiples of this (8 is fast on CPUs)")
      ->capture_default_str();
  cmd->add_option("--min-channels", o->min_channels, "every pruned group keeps at least this many")
      ->capture_default_str();
  cmd->add_option("--max-ratio", o->max_ratio, "largest fraction of a group that may be pruned")->capture_default_str();
  cmd->add_option("--freeze", o->frozen, "channel groups never pruned (names from `prunekit analyze`)")->delimiter(',');
  cmd->add_option("--plan-out", o->plan_path, "also write the resolved plan (JSON)");
  cmd->add_option("--seed", o->seed, "seed (random method)")->capture_default_str();
  return [o] { run_prune(*o); };
}

}  // namespace pk::cli
