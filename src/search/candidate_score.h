// What scoring one candidate yields (search/candidate_evaluator.h), torch-free: the driver, the
// log and the MPI workers (src/distributed) pass it around.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

namespace pk {

/// Wall time of each phase of one candidate, seconds.
struct CandidatePhases {
  double apply = 0, recalib = 0, finetune = 0, eval = 0, latency = 0;
};

struct CandidateScore {
  double accuracy = 0, loss = 0;  // classification: top-1 in [0, 1], mean cross-entropy
  double distance = 0;            // label_free
  double latency_ms = 0;          // measured median, if EvaluatorOptions::measure_latency
  int64_t macs = 0, params = 0;   // of the pruned network, per sample
  CandidatePhases seconds;
};

/// Every field; doubles round-trip exactly (a score sent between processes is bit-identical).
nlohmann::json candidate_score_to_json(const CandidateScore& score);
/// Error (not UserError: only prunekit writes these) if a field is missing or mistyped.
CandidateScore candidate_score_from_json(const nlohmann::json& j);

}  // namespace pk
