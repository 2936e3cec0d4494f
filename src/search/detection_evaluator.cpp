// The detection CandidateEvaluator: mAP@0.5 on the search split (the accuracy-based rewards read
// it as `accuracy`) and the mean YOLO loss there (the loss-based rewards, like the ABCP
// reference's validation loss). The optional short fine-tune trains the output convs (scope
// head, the reference's choice) or everything on the YOLO loss.
#include <torch/torch.h>

#include "core/error.h"
#include "data/transforms.h"
#include "search/candidate_evaluator.h"
#include "train/evaluate_detector.h"
#include "train/quick_finetune_detector.h"
#include "train/yolo_loss.h"

namespace pk {
namespace {

class DetectionEvaluator : public CandidateEvaluator {
 public:
  DetectionEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                     const DatasetSplits& data, const EvaluatorOptions& options, YoloLayout layout)
      : CandidateEvaluator(graph, weights, analysis, data, options), layout_(std::move(layout)) {
    PK_CHECK(data.search.is_detection(), "dataset '{}' has no object boxes to score detector candidates on",
             data.search.name);
  }
  // The log key of the quality: detectors report mAP@0.5 under "accuracy" (the rewards read it there).
  std::string quality_name() const override { return "accuracy"; }

 protected:
  void finetune(Executor& candidate) override {
    quick_finetune_detector(candidate, data_.train, data_.normalization, options_.finetune, layout_);
  }
  void measure(Executor& candidate, const PrunePlan&, CandidateScore& score) override {
    DetectionEvalOptions eval;
    eval.batch_size = options_.batch_size;
    score.accuracy = evaluate_detector(candidate, data_.search, data_.normalization, layout_, eval).map50;
    score.loss = search_loss(candidate);
  }

 private:
  /// Mean YOLO loss per image over the search split (eval mode).
  double search_loss(Executor& candidate) {
    torch::NoGradGuard no_grad;
    candidate.eval();
    double sum = 0;
    const Dataset& s = data_.search;
    for (int64_t begin = 0; begin < s.size(); begin += options_.batch_size) {
      const int64_t end = std::min(s.size(), begin + options_.batch_size);
      const auto images = normalize_images(s.images.slice(0, begin, end), data_.normalization);
      const ImageObjects objects(s.objects.begin() + begin, s.objects.begin() + end);
      sum += yolo_loss(candidate.forward_all({images}), objects, layout_).total.item<double>();
    }
    return sum / static_cast<double>(std::max<int64_t>(s.size(), 1));
  }

  YoloLayout layout_;
};

}  // namespace

std::unique_ptr<CandidateEvaluator> make_detection_evaluator(const Graph& graph, const WeightStore& weights,
                                                             const ChannelAnalysis& analysis,
                                                             const DatasetSplits& data,
                                                             const EvaluatorOptions& options, const YoloLayout& layout) {
  return std::unique_ptr<CandidateEvaluator>(new DetectionEvaluator(graph, weights, analysis, data, options, layout));
}

}  // namespace pk
