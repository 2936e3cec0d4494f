#include "search/search_evaluator.h"

#include "core/error.h"
#include "eval/reward.h"
#include "detect/yolo_layout.h"

namespace pk {

void check_search_data(const SearchOptions& o, const DatasetSplits& data) {
  PK_CHECK(o.reward == RewardKind::kLabelFree || data.search.has_labels() || data.search.is_detection(),
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
  if (data.search.is_detection()) {
    const auto anchors = o.metadata.contains("detection") ? o.metadata["detection"].value("anchors", nlohmann::json())
                                                          : nlohmann::json();
    PK_CHECK(!anchors.is_null(), "the model has no detection anchors in its metadata (train it with prunekit train "
             "--task detect, which fits and stores them)");
    return make_detection_evaluator(graph, weights, analysis, data, e,
                                    yolo_layout(graph, anchors_from_json(anchors, "model metadata")));
  }
  return make_classification_evaluator(graph, weights, analysis, data, e);
}

}  // namespace pk
