#include "search/search_evaluator.h"

#include "core/error.h"
#include "eval/reward.h"

namespace pk {

void check_search_data(const SearchOptions& o, const DatasetSplits& data) {
  PK_CHECK(o.reward == RewardKind::kLabelFree || data.search.has_labels(),
           "the {} reward needs labels and dataset '{}' has none: use --reward label_free", reward_name(o.reward),
           data.search.name);
}

std::unique_ptr<CandidateEvaluator> make_search_evaluator(const SearchOptions& o, const Graph& graph,
                                                          const WeightStore& weights, const ChannelAnalysis& analysis,
                                                          const DatasetSplits& data) {
  EvaluatorOptions e = o.evaluation;
  e.measure_latency = o.target_latency > 0;
  e.latency = o.latency;
  check_search_data(o, data);
  if (o.reward == RewardKind::kLabelFree) return make_label_free_evaluator(graph, weights, analysis, data, e);
  return make_classification_evaluator(graph, weights, analysis, data, e);
}

}  // namespace pk
