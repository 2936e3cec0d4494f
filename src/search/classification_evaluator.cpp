// The classification CandidateEvaluator: top-1 and mean cross-entropy on the search split.
#include "search/candidate_evaluator.h"
#include "train/evaluate.h"

namespace pk {
namespace {

class ClassificationEvaluator : public CandidateEvaluator {
 public:
  ClassificationEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                          const DatasetSplits& data, const EvaluatorOptions& options)
      : CandidateEvaluator(graph, weights, analysis, data, options) {}
  std::string quality_name() const override { return "accuracy"; }

 protected:
  void measure(Executor& candidate, const PrunePlan&, CandidateScore& score) override {
    const EvalResult r = pk::evaluate(candidate, data_.search, data_.normalization, options_.batch_size);
    score.accuracy = r.top1;
    score.loss = r.loss;
  }
};

}  // namespace

std::unique_ptr<CandidateEvaluator> make_classification_evaluator(const Graph& graph, const WeightStore& weights,
                                                                  const ChannelAnalysis& analysis,
                                                                  const DatasetSplits& data,
                                                                  const EvaluatorOptions& options) {
  return std::unique_ptr<CandidateEvaluator>(new ClassificationEvaluator(graph, weights, analysis, data, options));
}

}  // namespace pk
