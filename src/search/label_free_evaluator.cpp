// The label-free CandidateEvaluator (algorithms.md §2): the feature distance of the candidate to
// the original network on the search images. No label is read: the distance compares outputs
// only, and the optional short fine-tune distills from the original.
#include <optional>

#include "eval/feature_distance.h"
#include "plan/kept_channels.h"
#include "search/candidate_evaluator.h"

namespace pk {
namespace {

class LabelFreeEvaluator : public CandidateEvaluator {
 public:
  LabelFreeEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                     const DatasetSplits& data, const EvaluatorOptions& options)
      : CandidateEvaluator(graph, weights, analysis, data, options),
        teacher_net_(graph, weights.clone()),
        teacher_(teacher_net_, data.search, data.normalization, options.distance) {
    if (!teacher_.feature_node().empty()) classifier_ = graph.index_of(graph.outputs().at(0));
  }
  std::string quality_name() const override { return "distance"; }

 protected:
  void measure(Executor& candidate, const PrunePlan& resolved, CandidateScore& score) override {
    // The final Linear's kept input columns say which teacher features the student still has.
    std::vector<int> kept_features;
    if (classifier_ >= 0) kept_features = kept_channels(graph_, analysis_, resolved).nodes.at(classifier_).in.at(0);
    score.distance = teacher_.distance(candidate, kept_features);
  }
  Executor* finetune_teacher() override { return &teacher_net_; }

 private:
  Executor teacher_net_;
  TeacherReference teacher_;
  int classifier_ = -1;  // index of the final Linear whose input columns are the features
};

}  // namespace

std::unique_ptr<CandidateEvaluator> make_label_free_evaluator(const Graph& graph, const WeightStore& weights,
                                                              const ChannelAnalysis& analysis,
                                                              const DatasetSplits& data,
                                                              const EvaluatorOptions& options) {
  return std::unique_ptr<CandidateEvaluator>(new LabelFreeEvaluator(graph, weights, analysis, data, options));
}

}  // namespace pk
