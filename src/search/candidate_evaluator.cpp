#include "search/candidate_evaluator.h"

#include "core/error.h"
#include "core/timer.h"
#include "eval/latency.h"
#include "graph/cost.h"
#include "prune/plan_apply.h"
#include "train/bn_recalibration.h"
#include "train/quick_finetune.h"

namespace pk {

CandidateEvaluator::CandidateEvaluator(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                                       const DatasetSplits& data, EvaluatorOptions options)
    : graph_(graph), weights_(weights), analysis_(analysis), data_(data), options_(std::move(options)) {
  PK_CHECK(data.search.size() > 0, "the search split is empty: candidates are scored on it (set --search-size > 0)");
  PK_CHECK(data.train.size() > 0, "the training split is empty: BN recalibration needs training images");
}

std::unique_ptr<Executor> CandidateEvaluator::prepare(const PrunePlan& resolved, CandidatePhases* seconds) {
  CandidatePhases local;
  CandidatePhases& s = seconds ? *seconds : local;
  Timer t;
  PrunedNetwork net = plan_apply(graph_, weights_, analysis_, resolved);
  s.apply += t.seconds();
  t.reset();
  auto executor = std::make_unique<Executor>(std::move(net.graph), std::move(net.weights));
  recalibrate_batch_norm(*executor, data_.train, data_.normalization, options_.recalibration);
  s.recalib += t.seconds();
  t.reset();
  finetune(*executor);
  s.finetune += t.seconds();
  return executor;
}

void CandidateEvaluator::finetune(Executor& candidate) {
  quick_finetune(candidate, data_.train, data_.normalization, options_.finetune, finetune_teacher());
}

CandidateScore CandidateEvaluator::evaluate(const PrunePlan& resolved) {
  CandidateScore score;
  std::unique_ptr<Executor> candidate = prepare(resolved, &score.seconds);
  const GraphCost cost = graph_cost(candidate->graph());
  score.macs = cost.macs;
  score.params = cost.params;
  Timer t;
  measure(*candidate, resolved, score);
  score.seconds.eval = t.seconds();
  if (options_.measure_latency) {
    t.reset();
    score.latency_ms = measure_latency(*candidate, options_.latency).median_ms;
    score.seconds.latency = t.seconds();
  }
  return score;
}

}  // namespace pk
