// CandidateEvaluator: how a search scores one candidate plan (algorithms.md §0). The driver
// loop knows no task: it hands a resolved plan to an evaluator and gets numbers back. Every
// implementation prepares the candidate the same way — physically prune a fresh copy of the
// ORIGINAL weights, recalibrate BatchNorm on training images, optionally fine-tune a few steps —
// and then measures it on the search split (never test):
//   classification  top-1 and mean cross-entropy (the accuracy- and loss-based rewards)
//   label_free      the feature distance to the original network; reads no label anywhere
//   detection       mAP@0.5 (as `accuracy`) and the mean YOLO loss (as `loss`)
// MPI workers (src/distributed) call them remotely.
#pragma once

#include <memory>
#include <string>

#include "analysis/channel_analysis.h"
#include "data/dataset.h"
#include "detect/yolo_layout.h"
#include "exec/executor.h"
#include "graph/graph.h"
#include "plan/prune_plan.h"
#include "search/candidate_score.h"
#include "search/evaluator_options.h"
#include "weights/weight_store.h"

namespace pk {

class CandidateEvaluator {
 public:
  virtual ~CandidateEvaluator() = default;
  /// The quality measure, as logs name it: "accuracy" (higher is better) or "distance" (lower).
  virtual std::string quality_name() const = 0;
  /// prepare() then measure on the search split. `resolved` lists explicit channel indices.
  CandidateScore evaluate(const PrunePlan& resolved);
  /// The pruned network of `resolved` exactly as candidates are scored (a fresh copy of the
  /// original weights: pruned, recalibrated, fine-tuned if configured). Adds phase times to
  /// `seconds` if given.
  std::unique_ptr<Executor> prepare(const PrunePlan& resolved, CandidatePhases* seconds = nullptr);

 protected:
  /// All references must outlive the evaluator; `analysis` = analyze_channels(graph).
  CandidateEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                     const DatasetSplits& data, EvaluatorOptions options);
  /// Measures the prepared candidate on the search split into `score` (quality fields only).
  virtual void measure(Executor& candidate, const PrunePlan& resolved, CandidateScore& score) = 0;
  /// The short fine-tune of a recalibrated candidate (options.finetune; nothing at 0 steps). The
  /// default: quick_finetune, distilling from finetune_teacher() if it gives one.
  virtual void finetune(Executor& candidate);
  /// The network the short fine-tune distills from (label-free), or null for cross-entropy.
  virtual Executor* finetune_teacher() { return nullptr; }

  const Graph& graph_;
  const WeightStore& weights_;
  const ChannelAnalysis& analysis_;
  const DatasetSplits& data_;
  EvaluatorOptions options_;
};

std::unique_ptr<CandidateEvaluator> make_classification_evaluator(const Graph& graph, const WeightStore& weights,
                                                                  const ChannelAnalysis& analysis,
                                                                  const DatasetSplits& data,
                                                                  const EvaluatorOptions& options);

/// `layout` reads the detector's outputs (its anchors come with the model's metadata).
std::unique_ptr<CandidateEvaluator> make_detection_evaluator(const Graph& graph, const WeightStore& weights,
                                                             const ChannelAnalysis& analysis,
                                                             const DatasetSplits& data,
                                                             const EvaluatorOptions& options, const YoloLayout& layout);

/// The original network's outputs on the search images are computed once, at construction.
std::unique_ptr<CandidateEvaluator> make_label_free_evaluator(const Graph& graph, const WeightStore& weights,
                                                              const ChannelAnalysis& analysis,
                                                              const DatasetSplits& data,
                                                              const EvaluatorOptions& options);

}  // namespace pk
