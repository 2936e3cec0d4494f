#include "eval/reward.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/strings.h"

namespace pk {
namespace {
const RewardKind kAllRewards[] = {RewardKind::kAccPenalty, RewardKind::kAccLinear, RewardKind::kAmc,
                                  RewardKind::kLossLinear, RewardKind::kLabelFree};
}

const char* reward_name(RewardKind kind) {
  switch (kind) {
    case RewardKind::kAccPenalty: return "acc_penalty";
    case RewardKind::kAccLinear: return "acc_linear";
    case RewardKind::kAmc: return "amc";
    case RewardKind::kLossLinear: return "loss_linear";
    case RewardKind::kLabelFree: return "label_free";
  }
  PK_ASSERT(false, "invalid reward kind");
}

std::vector<std::string> known_rewards() {
  std::vector<std::string> names;
  for (RewardKind k : kAllRewards) names.push_back(reward_name(k));
  return names;
}

RewardKind reward_from_name(const std::string& name) {
  for (RewardKind k : kAllRewards)
    if (name == reward_name(k)) return k;
  PK_CHECK(false, "unknown reward '{}'; known: {}", name, join(known_rewards(), ", "));
  return RewardKind::kAccPenalty;
}

void validate(const RewardOptions& o) {
  PK_CHECK(o.lambda >= 0 && std::isfinite(o.lambda), "reward lambda {} must be ≥ 0", o.lambda);
  if (o.kind == RewardKind::kAccPenalty)
    PK_CHECK(o.target_cost > 0, "reward acc_penalty needs a positive budget target, got {}", o.target_cost);
  if (o.kind == RewardKind::kAccLinear)
    PK_CHECK(o.original_cost > 0, "reward acc_linear needs the original cost, got {}", o.original_cost);
  PK_CHECK(o.kind != RewardKind::kAmc || o.metric != CostMetric::kLatencyMs,
           "reward amc is −(1 − A)·log(C) for C in MACs or params; with a latency budget use acc_penalty or "
           "acc_linear");
  PK_CHECK(o.kind != RewardKind::kLossLinear || o.metric == CostMetric::kMacs,
           "reward loss_linear is −(L + λ·GMACs) and needs a MACs budget; with a params or latency budget use "
           "acc_penalty or acc_linear");
}

double compute_reward(const RewardOptions& o, const CandidateMetrics& m) {
  switch (o.kind) {
    case RewardKind::kAccPenalty:
      return m.accuracy - o.lambda * std::max(0.0, m.cost / o.target_cost - 1.0);
    case RewardKind::kAccLinear:
      return m.accuracy - o.lambda * m.cost / o.original_cost;
    case RewardKind::kAmc:
      return -(1.0 - m.accuracy) * std::log(std::max(m.cost, 1.0));
    case RewardKind::kLossLinear:
      return -(m.loss + o.lambda * m.cost / 1e9);
    case RewardKind::kLabelFree:
      return -m.distance;
  }
  PK_ASSERT(false, "invalid reward kind");
}

}  // namespace pk
