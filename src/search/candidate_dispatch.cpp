#include "search/candidate_dispatch.h"

#include "core/interrupt.h"
#include "search/candidate_evaluator.h"

namespace pk {

std::vector<CandidateScore> ScoreInOrder::score(const std::vector<PrunePlan>& resolved, CandidateEvaluator& local,
                                                const CandidateDone& done) {
  std::vector<CandidateScore> scores;
  scores.reserve(resolved.size());
  for (size_t k = 0; k < resolved.size(); ++k) {
    throw_if_interrupted();  // SIGINT/SIGTERM: the update is dropped; the checkpoint has the last one
    scores.push_back(local.evaluate(resolved[k]));
    if (done) done(static_cast<int>(k), scores.back());
  }
  return scores;
}

}  // namespace pk
