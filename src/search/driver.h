// The search driver (algorithms.md §0): the one loop every search method runs through.
//   ask the strategy → decode each action with the ActionSpace (projected onto the budget) →
//   resolve which channels are kept (importance computed once per search) → score the update's
//   candidates with the CandidateEvaluator, through a CandidateDispatch (prune a copy of the
//   original, recalibrate BN, optional fine-tune, measure on the search split) → reward → tell
//   the strategy what it sampled and what was evaluated, in the order it asked → log and
//   checkpoint.
// The only part of src/search that writes files. Outputs in out_dir:
//   log.jsonl       one line per candidate (id, update, plan digest and kept counts, MACs, params,
//                   accuracy and loss — or distance (label_free) —, latency_ms (latency budget),
//                   reward, budget_met, seconds per phase)
//   best_plan.json  the resolved plan of the best candidate meeting the budget
//   pruned.pkm      that network, prepared as candidates were scored; metadata["search"]
//   pareto.json     quality vs the budget's metric, non-dominated candidates
//   finalists.json  finalists on (SearchOptions::finalists): each finalist's search and re-scored
//                   numbers and which was chosen; then best_plan/pruned.pkm are the chosen one's,
//                   pruned.pkm prepared as the finalists were scored
//   checkpoint      after every update (search_checkpoint.h); resume=true continues and ends
//                   with exactly the uninterrupted result.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "graph/graph.h"
#include "plan/prune_plan.h"
#include "search/search_options.h"

namespace pk {

class CandidateDispatch;
class WeightStore;
struct DatasetSplits;

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
  SearchCandidate best;       // its numbers as the search logged them (finalists on: the chosen one)
  PrunePlan best_plan;        // resolved
  int64_t original_macs = 0, original_params = 0;
  double original_latency_ms = 0;  // latency budget only
  double target_latency_ms = 0;    // latency budget only
  bool fill = true;                // the budget projection used (resolved from the method's default)
  double seconds = 0;
  int finalists = 0;          // candidates re-scored at the end (SearchOptions::finalists)
  nlohmann::json rescored;     // then the chosen finalist's row of finalists.json; else null
  std::string log_path, plan_path, model_path, pareto_path, checkpoint_path, finalists_path;
};

/// UserError for bad options (unknown method or method option, episodes < 1, a reward that does
/// not fit the budget, ...), an unwritable out_dir, a resume without a checkpoint or with a
/// checkpoint of different settings (model, data, budget, method options, ...).
/// `dispatch` scores each update's candidates (null: this process, in order; see
/// candidate_dispatch.h); the results do not depend on it.
SearchResult run_search(const Graph& graph, const WeightStore& weights, const DatasetSplits& data,
                        const SearchOptions& options, CandidateDispatch* dispatch = nullptr);

}  // namespace pk
