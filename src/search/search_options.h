// Everything a search is run with (search/driver.h). Torch-free: the command line and tests
// build it without compiling torch.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "eval/latency_options.h"
#include "eval/reward.h"
#include "plan/action_space.h"
#include "prune/criterion.h"
#include "search/evaluator_options.h"

namespace pk {

/// How a candidate's ratios are moved onto the budget (ActionSpace, Budget::fill).
enum class BudgetProjection {
  kMethodDefault,  // what the method is designed for (StrategyInfo::default_fill)
  kFill,           // every candidate onto the budget: under-budget candidates are pruned less
  kShrink,         // only over-budget candidates change (shrunk onto the budget)
};

BudgetProjection budget_projection_from_name(const std::string& name);  // "auto" | "fill" | "shrink"
const char* budget_projection_name(BudgetProjection p);

/// The search's last step: its best candidates are scored again, more faithfully, and the best
/// of that second look is the result. A search scores thousands of candidates cheaply (a few
/// fine-tune steps), so the top of its ranking is partly luck; re-scoring a few finalists with a
/// longer fine-tune picks among them by a measure closer to the accuracy after the real fine-tune.
struct FinalistOptions {
  int count = 0;             // ≤ 1: the search's best is final; K > 1: the K best budget-met
                             // candidates (distinct plans, by search reward) are re-scored
  int finetune_steps = 200;  // the short fine-tune of the re-scoring (scope, lr, batch size and
                             // recalibration as the search's own evaluation)
};

struct SearchOptions {
  std::string method = "abcp";  // a name of search_strategies() (strategy_registry.h)
  /// The method's own options (StrategyInfo::options); keys not given take their defaults.
  nlohmann::json method_options = nlohmann::json::object();
  int episodes = 300;          // candidates evaluated in total
  int samples_per_update = 4;  // candidates per ask/tell
  Budget budget{BudgetMetric::kMacs, 0.5, true, true};  // budget.fill is set from `projection`
  BudgetProjection projection = BudgetProjection::kMethodDefault;
  double target_latency = 0;  // > 0: a latency budget instead (fraction ≤ 1 of the original's
                              // measured latency, or ms)
  LatencyOptions latency;     // how latency is measured (batch 1, all cores, 20 runs)
  RewardKind reward = RewardKind::kAccPenalty;
  double lambda = 1.0;
  ImportanceOptions importance;  // which channels a group keeps; computed once per search
  ActionSpaceOptions action_space = [] {
    ActionSpaceOptions o;
    o.round_to = 1;
    o.max_ratio = 0.9;
    return o;
  }();
  EvaluatorOptions evaluation;  // recalibration, optional fine-tune, eval batch, label-free distance
  FinalistOptions finalists;    // re-scoring of the best few at the end (off by default)
  uint64_t seed = 0;
  std::string out_dir;
  bool resume = false;             // continue from out_dir/checkpoint
  int stop_after_episodes = 0;     // > 0: stop (after the update that reaches it), as if killed
  bool show_progress = true;       // progress line per candidate on stderr
  nlohmann::json metadata = nlohmann::json::object();  // base metadata for pruned.pkm
};

}  // namespace pk
