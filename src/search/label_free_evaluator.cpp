// The label-free CandidateEvaluator (algorithms.md §2): the distance of the candidate to the
// original network on the search images — logits and penultimate features for a classifier
// (eval/feature_distance.h), the raw output maps for a detector (eval/output_map_distance.h). No
// label or box is read: the distance compares outputs only, and the optional short fine-tune of a
// classifier distills from the original.
#include <optional>

#include "core/error.h"
#include "eval/feature_distance.h"
#include "eval/output_map_distance.h"
#include "plan/kept_channels.h"
#include "search/candidate_evaluator.h"

namespace pk {
namespace {

class LabelFreeEvaluator : public CandidateEvaluator {
 public:
  LabelFreeEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                     const DatasetSplits& data, const EvaluatorOptions& options)
      : CandidateEvaluator(graph, weights, analysis, data, options), teacher_net_(graph, weights.clone()) {
    if (has_output_maps(graph)) {
      PK_CHECK(options.finetune.steps == 0,
               "label-free scoring of a network with output maps (a detector) does not fine-tune candidates yet: "
               "drop --eval-finetune-steps, or score with --reward accuracy");
      maps_.emplace(teacher_net_, data.search, data.normalization, options.distance.batch_size);
      return;
    }
    teacher_.emplace(teacher_net_, data.search, data.normalization, options.distance);
    if (!teacher_->feature_node().empty()) classifier_ = graph.index_of(graph.outputs().at(0));
  }
  std::string quality_name() const override { return "distance"; }

 protected:
  void measure(Executor& candidate, const PrunePlan& resolved, CandidateScore& score) override {
    if (maps_) {
      score.distance = maps_->distance(candidate);
      return;
    }
    // The final Linear's kept input columns say which teacher features the student still has.
    std::vector<int> kept_features;
    if (classifier_ >= 0) kept_features = kept_channels(graph_, analysis_, resolved).nodes.at(classifier_).in.at(0);
    score.distance = teacher_->distance(candidate, kept_features);
  }
  Executor* finetune_teacher() override { return &teacher_net_; }

 private:
  Executor teacher_net_;
  std::optional<TeacherReference> teacher_;  // a classifier
  std::optional<OutputMapReference> maps_;   // a network with output maps (a detector)
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
