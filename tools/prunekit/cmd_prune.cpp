// prunekit apply / prune: produce a physically smaller model file.
//   apply  a plan file (JSON) on a model
//   prune  a one-shot baseline (uniform | global | random) at a MACs or params budget
// Both choose channels with an importance criterion (taylor reads gradients from training
// batches) and recalibrate BN statistics of the result on training images unless told not to.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/strings.h"
#include "data/dataset.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "importance_options.h"
#include "io/network_file.h"
#include "model_source.h"
#include "plan/budget_value.h"
#include "plan/plan_json.h"
#include "prune/one_shot.h"
#include "prune/plan_apply.h"
#include "train/bn_recalibration.h"
#include "train/gradients.h"

namespace pk::cli {
namespace {

struct PruneCommandOptions {
  std::string model;
  std::string out;
  std::string plan_path;  // apply: input plan; prune: optional output plan
  std::string method = "uniform";
  ImportanceCommandOptions importance;
  bool producers_only = false;
  std::string target_macs;    // budget_value.h forms: 0.5, 50%, 15M
  std::string target_params;
  int round_to = 1;
  int min_channels = 1;
  double max_ratio = 0.9;
  std::vector<std::string> frozen;
  uint64_t seed = 0;
  bool no_recalibrate = false;
  int calib_batches = RecalibrationOptions{}.batches;
  int64_t calib_batch_size = RecalibrationOptions{}.batch_size;
  int threads = 0;
  DataOptions data;
};

/// What a run reads besides the model: training images for BN recalibration and/or taylor.
struct PruneInputs {
  LoadedModel model;
  ImportanceOptions importance;
  bool recalibrate = false;
  bool needs_data = false;
  DataOptions data_options;
  DatasetSplits data;  // loaded iff needs_data
  WeightStore gradients;  // taylor only
};

Budget budget_from(const PruneCommandOptions& o) {
  PK_CHECK(o.target_macs.empty() || o.target_params.empty(),
           "give one budget: --target-macs or --target-params, not both");
  Budget b;
  if (o.target_macs.empty() && o.target_params.empty()) return b;
  const bool macs = !o.target_macs.empty();
  const BudgetValue v = parse_budget_value(macs ? "--target-macs" : "--target-params",
                                           macs ? o.target_macs : o.target_params, BudgetQuantity::kCount);
  b.metric = macs ? BudgetMetric::kMacs : BudgetMetric::kParams;
  b.fraction = v.fraction;
  b.target = v.target;
  return b;
}

ImportanceOptions importance_from(const PruneCommandOptions& o) {
  ImportanceOptions im = importance_options(o.importance);
  im.producers_only = o.producers_only;
  return im;
}

bool has_batch_norm(const Graph& g) {
  for (const Node& n : g.nodes())
    if (n.op == OpKind::kBatchNorm2d) return true;
  return false;
}

/// Options recorded in the output metadata and printed at start.
nlohmann::json resolved_json(const PruneCommandOptions& o, const PruneInputs& in) {
  nlohmann::json j{{"model", o.model}, {"method", o.method}, {"seed", o.seed}, {"out", o.out}};
  j.update(importance_json(in.importance));
  if (o.producers_only) j["producers_only"] = true;
  j["recalibrate"] = in.recalibrate ? nlohmann::json{{"batches", o.calib_batches}, {"batch_size", o.calib_batch_size}}
                                    : nlohmann::json(false);
  if (in.needs_data) j["dataset"] = in.data_options.name;
  if (o.method == "apply") {
    j["plan"] = o.plan_path;
  } else {
    const Budget b = budget_from(o);
    j.update({{"budget", {{"metric", b.metric == BudgetMetric::kParams ? "params" : "macs"},
                          {"target", b.target},
                          {"fraction", b.fraction}}},
              {"round_to", o.round_to},
              {"min_channels", o.min_channels}, {"max_ratio", o.max_ratio}});
  }
  return j;
}

/// Loads the model, prints the resolved options, loads the dataset if recalibration or taylor
/// needs it and computes taylor's gradients. Built-in model names (fresh weights) are not
/// recalibrated: their statistics describe nothing yet.
PruneInputs load_inputs(const PruneCommandOptions& o, const CLI::App& cmd, nlohmann::json& resolved) {
  check_writable_path(o.out);
  if (!o.plan_path.empty() && o.method != "apply") check_writable_path(o.plan_path);
  PK_CHECK(o.calib_batches >= 1 && o.calib_batch_size >= 1, "--calib-batches and --calib-batch-size must be ≥ 1");
  const int threads = configure_threads(o.threads);
  PruneInputs in;
  in.importance = importance_from(o);
  in.model = load_model_source(o.model, ModelOptions{1, 28, 10, 1.0}, o.seed);
  in.recalibrate = !o.no_recalibrate && has_batch_norm(in.model.graph) && !in.model.from_zoo;
  in.needs_data = in.recalibrate || in.importance.criterion == Criterion::kTaylor;
  in.data_options = o.data;
  apply_dataset_metadata(in.model.metadata, o.model, in.data_options, cmd);
  resolved = resolved_json(o, in);
  nlohmann::json printed = resolved;
  printed["threads"] = threads;
  print_resolved_options(o.method == "apply" ? "apply" : "prune", printed);
  if (!in.needs_data) return in;
  in.data = load_dataset(in.data_options);
  check_model_fits_dataset(in.model.graph, in.data, o.model);
  if (in.importance.criterion == Criterion::kTaylor) {
    Executor ex(in.model.graph, in.model.weights);  // shares the weights; gradients leave them unchanged
    in.gradients = accumulate_gradients(ex, in.data.train, in.data.normalization,
                                        GradientOptions{in.importance.taylor_batches, 128, o.seed});
  }
  return in;
}

const WeightStore* gradients_of(const PruneInputs& in) {
  return in.importance.criterion == Criterion::kTaylor ? &in.gradients : nullptr;
}

void print_summary(const GraphCost& before, const GraphCost& after, const ChannelAnalysis& analysis,
                   const PrunePlan& plan) {
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>8}\n", "", "before", "after", "ratio");
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>7.1f}%\n", "MACs", human_count(before.macs), human_count(after.macs),
                           100.0 * after.macs / before.macs);
  std::cout << fmt::format("{:<8} {:>14} {:>14} {:>7.1f}%\n", "params", human_count(before.params),
                           human_count(after.params), 100.0 * after.params / before.params);
  std::cout << fmt::format("groups pruned: {} of {} prunable; blocks removed: {}\n", plan.groups.size(),
                           analysis.prunable_groups().size(), plan.removed_blocks.size());
}

/// Applies a resolved plan, recalibrates BN if asked, prints before/after, writes the model
/// (and the plan if asked).
void write_pruned(const PruneCommandOptions& o, const PruneInputs& in, const ChannelAnalysis& analysis,
                  const PrunePlan& plan, nlohmann::json how) {
  const LoadedModel& m = in.model;
  PrunedNetwork pruned = plan_apply(m.graph, m.weights, analysis, plan);
  if (in.recalibrate) {
    Executor ex(pruned.graph, pruned.weights);  // shares pruned.weights: statistics updated in place
    recalibrate_batch_norm(ex, in.data.train, in.data.normalization,
                           RecalibrationOptions{o.calib_batches, o.calib_batch_size, o.seed});
  }
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
  print_summary(before, after, analysis, plan);
  if (in.recalibrate)
    std::cout << fmt::format("BN recalibrated on {} × {} training images\n", o.calib_batches, o.calib_batch_size);
  std::cout << fmt::format("wrote {}\n", o.out);
  if (std::filesystem::path(o.out).extension() != ".pt")  // a TorchScript archive cannot be read back
    std::cout << fmt::format("report:     prunekit report --model {} --pruned {} --out report.html\n", o.model, o.out);
}

void run_apply(PruneCommandOptions& o, const CLI::App& cmd) {
  o.method = "apply";
  nlohmann::json resolved;
  PruneInputs in = load_inputs(o, cmd, resolved);
  const ChannelAnalysis analysis = analyze_channels(in.model.graph);
  PrunePlan plan = load_plan(o.plan_path);
  plan = resolve_plan(in.model.graph, in.model.weights, analysis, plan, in.importance, gradients_of(in));
  resolved["plan_file"] = o.plan_path;
  write_pruned(o, in, analysis, plan, resolved);
}

void run_prune(const PruneCommandOptions& o, const CLI::App& cmd) {
  OneShotOptions so;
  so.method = o.method;
  so.budget = budget_from(o);
  so.space.round_to = o.round_to;
  so.space.min_channels = o.min_channels;
  so.space.max_ratio = o.max_ratio;
  so.space.frozen_groups = o.frozen;
  so.seed = o.seed;
  nlohmann::json resolved;
  PruneInputs in = load_inputs(o, cmd, resolved);
  so.importance = in.importance;
  const ChannelAnalysis analysis = analyze_channels(in.model.graph);
  OneShotResult r = one_shot_plan(in.model.graph, in.model.weights, analysis, so, gradients_of(in));
  if (!r.budget_met) {
    const bool macs = so.budget.metric == BudgetMetric::kMacs;
    const double original = static_cast<double>(macs ? graph_cost(in.model.graph).macs : graph_cost(in.model.graph).params);
    const double smallest = static_cast<double>(macs ? r.cost.macs : r.cost.params);
    const double target = so.budget.fraction ? so.budget.target * original : so.budget.target;
    throw UserError(fmt::format(
        "the budget of {} {} ({:.1f}% of {}) is out of reach within --max-ratio {}, --min-channels {}, --round-to {}: "
        "the smallest network they allow has {} {} ({:.1f}%); give a larger budget or loosen the limits",
        human_count(target), macs ? "MACs" : "params", 100.0 * target / original, human_count(original), o.max_ratio,
        o.min_channels, o.round_to, human_count(smallest), macs ? "MACs" : "params", 100.0 * smallest / original));
  }
  write_pruned(o, in, analysis, r.plan, resolved);
}

void add_common(CLI::App* cmd, PruneCommandOptions& o) {
  cmd->add_option("--model,model", o.model, "model file (.pkm or .onnx) or built-in model name")->required();
  cmd->add_option("--out", o.out, "output model: .pkm, .onnx or .pt (TorchScript), by extension")->required();
  add_importance_options(cmd, o.importance);
  cmd->add_flag("--producers-only", o.producers_only,
                "score producers' rows only (no consumer columns, no BN for l1/l2): the old scoring, for comparison");
  cmd->add_flag("--no-recalibrate", o.no_recalibrate, "keep the sliced BN statistics (no training images are read)");
  cmd->add_option("--calib-batches", o.calib_batches, "BN recalibration batches")->capture_default_str();
  cmd->add_option("--calib-batch-size", o.calib_batch_size, "BN recalibration batch size")->capture_default_str();
  add_threads_option(cmd, o.threads);
  add_data_options(cmd, o.data);
}

const char* kDataFooter =
    "The result's BN statistics are recalibrated on training images of the model's recorded dataset\n"
    "(--dataset overrides; built-in model names and models without BN are not recalibrated).\n"
    "Criteria, reductions and normalizers: docs/methods.md.";

}  // namespace

Action register_apply(CLI::App& app) {
  auto o = std::make_shared<PruneCommandOptions>();
  CLI::App* cmd = app.add_subcommand("apply", "Apply a prune plan (JSON) to a model: a physically smaller model file.");
  cmd->footer(std::string("Example:\n  prunekit apply --model base.pkm --plan plan.json --out pruned.pkm\n"
                          "Groups given as counts keep their highest-scoring channels under --criterion. Plan format: "
                          "docs/formats.md.\n") +
              kDataFooter);
  add_common(cmd, *o);
  cmd->add_option("--plan", o->plan_path, "prune plan (JSON)")->required();
  return [o, cmd] { run_apply(*o, *cmd); };
}

Action register_prune(CLI::App& app) {
  auto o = std::make_shared<PruneCommandOptions>();
  CLI::App* cmd = app.add_subcommand("prune", "One-shot pruning baselines (uniform, global, random) at a budget.");
  cmd->footer(
      std::string("Example:\n  prunekit prune --model base.pkm --method uniform --target-macs 0.5 --round-to 8 --out "
                  "pruned.pkm\n"
                  "Budgets: 0.5 or 50% is half the original; absolute counts take a unit (K, M, G: 15M MACs per "
                  "image);\na plain number above 1 is refused as ambiguous. Fine-tune the result with `prunekit "
                  "finetune`.\n") +
      kDataFooter);
  add_common(cmd, *o);
  cmd->add_option("--method", o->method, "uniform, global or random")->capture_default_str();
  cmd->add_option("--target-macs", o->target_macs,
                  "MACs budget: a fraction of the original (0.5), a percentage (50%) or MACs per sample (15M, 2.1G)");
  cmd->add_option("--target-params", o->target_params,
                  "params budget: a fraction (0.5), a percentage (50%) or a count (350K, 1.2M)");
  cmd->add_option("--round-to", o->round_to, "kept channel counts are multiples of this (8 is fast on CPUs)")
      ->capture_default_str();
  cmd->add_option("--min-channels", o->min_channels, "every pruned group keeps at least this many")
      ->capture_default_str();
  cmd->add_option("--max-ratio", o->max_ratio, "largest fraction of a group that may be pruned")->capture_default_str();
  cmd->add_option("--freeze", o->frozen, "channel groups never pruned (names from `prunekit analyze`)")->delimiter(',');
  cmd->add_option("--plan-out", o->plan_path, "also write the resolved plan (JSON)");
  cmd->add_option("--seed", o->seed, "seed (random method, recalibration and taylor batches)")->capture_default_str();
  return [o, cmd] { run_prune(*o, *cmd); };
}

}  // namespace pk::cli
