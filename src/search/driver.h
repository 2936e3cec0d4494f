// The search driver (algorithms.md §0): the one loop that asks a SearchStrategy for candidates,
// turns them into plans (ActionSpace, projected onto the budget), physically prunes a copy of the
// ORIGINAL weights, recalibrates BatchNorm on the training split, optionally fine-tunes a few
// steps, scores on the search split
// (never test) — accuracy, or with the label_free reward the feature distance to the original
// network, reading no label — computes the reward and tells the strategy what was evaluated.
// The only part of src/search that does I/O. Outputs in out_dir:
//   log.jsonl       one line per candidate (id, update, plan digest and kept counts, MACs, params,
//                   accuracy and loss, or distance (label_free), latency_ms (latency budget),
//                   reward, budget_met, seconds per phase)
//   best_plan.json  the resolved plan of the best candidate meeting the budget
//   pruned.pkm      that network, BN-recalibrated; metadata["search"] summarizes the run
//   pareto.json     accuracy-vs-MACs non-dominated candidates
//   checkpoint      written atomically after every update: strategy state + candidates + best;
//                   resume=true continues and ends with exactly the uninterrupted result.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "eval/feature_distance.h"
#include "eval/latency.h"
#include "eval/reward.h"
#include "graph/graph.h"
#include "plan/action_space.h"
#include "plan/prune_plan.h"
#include "prune/importance.h"
#include "search/abcp_strategy.h"
#include "train/bn_recalibration.h"
#include "train/quick_finetune.h"
#include "weights/weight_store.h"

namespace pk {

struct SearchOptions {
  std::string method = "abcp";  // abcp | random
  AbcpOptions abcp;             // controller settings (its seed is `seed`)
  int episodes = 300;           // candidates evaluated in total
  int samples_per_update = 4;   // candidates per ask/tell
  Budget budget{BudgetMetric::kMacs, 0.5, true, true};
  double target_latency = 0;  // > 0: a latency budget instead (fraction ≤ 1 of the original's
                              // measured latency, or ms); budget.fill still applies
  LatencyOptions latency;     // how latency is measured (batch 1, all cores, 20 runs)
  RewardKind reward = RewardKind::kAccPenalty;
  double lambda = 1.0;
  Criterion criterion = Criterion::kL1;
  ActionSpaceOptions action_space = [] {
    ActionSpaceOptions o;
    o.round_to = 1;
    o.max_ratio = 0.9;
    return o;
  }();
  RecalibrationOptions recalibration;  // 20 × 128, fixed seed
  QuickFinetuneOptions finetune;       // optional short fine-tune per candidate (default: none);
                                       // label-free (distillation) with the label_free reward
  int64_t eval_batch_size = 256;
  FeatureDistanceOptions distance;     // label_free reward: τ, β of the feature distance
  uint64_t seed = 0;
  std::string out_dir;
  bool resume = false;             // continue from out_dir/checkpoint
  int stop_after_episodes = 0;     // > 0: stop (after the update that reaches it), as if killed
  bool show_progress = true;       // progress line per candidate on stderr
  nlohmann::json metadata = nlohmann::json::object();  // base metadata for pruned.pkm
};

struct SearchCandidate {
  int id = -1;
  double accuracy = 0, loss = 0, reward = 0;  // accuracy and loss: 0 with the label_free reward
  double distance = 0;                         // label_free reward only
  double latency_ms = 0;                       // latency budget only: measured median
  int64_t macs = 0, params = 0;
  bool budget_met = false;
};

struct SearchResult {
  int evaluated = 0;          // candidates in the log
  bool finished = false;      // false if stopped by stop_after_episodes
  bool has_best = false;      // a candidate met the budget
  SearchCandidate best;
  PrunePlan best_plan;        // resolved
  int64_t original_macs = 0, original_params = 0;
  double original_latency_ms = 0;  // latency budget only
  double target_latency_ms = 0;    // latency budget only
  double seconds = 0;
  std::string log_path, plan_path, model_path, pareto_path, checkpoint_path;
};

/// UserError for bad options (unknown method, episodes < 1, ...), an unwritable out_dir, a
/// resume without a checkpoint or with a checkpoint of different settings.
SearchResult run_search(const Graph& graph, const WeightStore& weights, const DatasetSplits& data,
                        const SearchOptions& options);

std::vector<std::string> known_search_methods();

}  // namespace pk
