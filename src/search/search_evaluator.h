// The evaluator a search scores its candidates with, chosen from its options: the same on the
// driver's process and on every MPI worker (src/distributed), so all score a plan alike.
#pragma once

#include <memory>

#include "search/candidate_evaluator.h"
#include "search/search_options.h"

namespace pk {

/// UserError if `data` cannot score candidates of `options` (a label-based reward on a search
/// split without labels). Cheap: callers check it before anything long starts.
void check_search_data(const SearchOptions& options, const DatasetSplits& data);

/// label_free reward: the feature-distance evaluator; otherwise classification (check_search_data
/// first). Latency is measured per candidate iff a latency budget is set.
std::unique_ptr<CandidateEvaluator> make_search_evaluator(const SearchOptions& options, const Graph& graph,
                                                          const WeightStore& weights, const ChannelAnalysis& analysis,
                                                          const DatasetSplits& data);

}  // namespace pk
