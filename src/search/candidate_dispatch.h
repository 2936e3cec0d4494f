// Where the candidates of one search update are scored. The driver hands over the update's
// resolved plans and gets one score per plan back, in the order given, whoever computed them:
//   ScoreInOrder       this process, one after another (every plain `prunekit search`)
//   MpiDispatch        MPI ranks (src/distributed/mpi_dispatch.h), rank 0 included when idle
// A candidate's score depends on its plan alone (the evaluator prepares a fresh copy of the
// original each time, with seeded recalibration and fine-tuning), so every dispatch gives the
// same numbers.
#pragma once

#include <functional>
#include <vector>

#include "plan/prune_plan.h"
#include "search/candidate_score.h"

namespace pk {

class CandidateEvaluator;

/// Called once per candidate as its score arrives (any order): index into the update, score.
using CandidateDone = std::function<void(int, const CandidateScore&)>;

class CandidateDispatch {
 public:
  virtual ~CandidateDispatch() = default;
  /// scores[k] of resolved[k]. `local` is the search's own evaluator, for the candidates this
  /// process scores itself. Throws Interrupted on SIGINT/SIGTERM between candidates.
  virtual std::vector<CandidateScore> score(const std::vector<PrunePlan>& resolved, CandidateEvaluator& local,
                                            const CandidateDone& done) = 0;
};

/// Scores every candidate with `local`, in order.
class ScoreInOrder : public CandidateDispatch {
 public:
  std::vector<CandidateScore> score(const std::vector<PrunePlan>& resolved, CandidateEvaluator& local,
                                    const CandidateDone& done) override;
};

}  // namespace pk
