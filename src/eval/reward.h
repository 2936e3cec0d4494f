// Rewards of the search methods (algorithms.md §0), chosen by name. All are "higher is better".
//   acc_penalty  R = A − λ·max(0, C/C_target − 1)        hard budget with a penalty (default)
//   acc_linear   R = A − λ·C/C_orig                      ABCP-style trade-off, no target
//   amc          R = −(1 − A)·log(C)                     AMC's R_FLOPs / R_Param (C in MACs or params;
//                                                        refused for latency: log of milliseconds
//                                                        changes sign below 1 ms)
//   loss_linear  R = −(L + λ·C/1e9)                      the ABCP reference (L = task loss, C in MACs →
//                                                        GMACs; refused for other budgets)
//   label_free   R = −D                                  LFGCL (D = feature distance to the teacher)
// A = accuracy (or mAP) in [0, 1]; C = the budgeted complexity (MACs, params or latency).
#pragma once

#include <string>
#include <vector>

namespace pk {

enum class RewardKind { kAccPenalty, kAccLinear, kAmc, kLossLinear, kLabelFree };
/// The unit of C: what the budget counts.
enum class CostMetric { kMacs, kParams, kLatencyMs };

struct RewardOptions {
  RewardKind kind = RewardKind::kAccPenalty;
  double lambda = 1.0;
  CostMetric metric = CostMetric::kMacs;
  double target_cost = 0;    // acc_penalty: the budget (same unit as cost)
  double original_cost = 0;  // acc_linear: the unpruned network's cost
};

/// What an evaluator measured for one candidate; unused fields may stay 0.
struct CandidateMetrics {
  double accuracy = 0;  // [0, 1]
  double loss = 0;      // task loss
  double distance = 0;  // label-free distance to the teacher
  double cost = 0;      // MACs, params or latency (ms), per the budget
};

RewardKind reward_from_name(const std::string& name);
const char* reward_name(RewardKind kind);
std::vector<std::string> known_rewards();

/// UserError if the options do not fit the kind (e.g. acc_penalty without a positive target, amc
/// with a latency budget, loss_linear with anything but MACs).
void validate(const RewardOptions& options);
double compute_reward(const RewardOptions& options, const CandidateMetrics& metrics);

}  // namespace pk
