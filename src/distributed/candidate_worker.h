// Ranks 1..K-1 of a distributed search: score the plans rank 0 sends (mpi_dispatch.h).
#pragma once

#include "distributed/mpi_runtime.h"

namespace pk {

class CandidateEvaluator;

/// Until rank 0 sends stop: receive a job, score its plan with `evaluator` (built from the same
/// options, model and data as rank 0's), send the score back. A failure to score a candidate is
/// sent back as its result (rank 0 reports it); an interrupt ends the loop (Interrupted).
/// Returns the number of candidates scored.
int serve_candidates(MpiRuntime& mpi, CandidateEvaluator& evaluator);

}  // namespace pk
