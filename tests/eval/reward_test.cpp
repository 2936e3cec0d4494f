#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/reward.h"

namespace pk {
namespace {

TEST(Reward, FormulasOfEveryKind) {
  CandidateMetrics m;
  m.accuracy = 0.9;
  m.loss = 0.3;
  m.distance = 0.05;
  m.cost = 60e6;
  RewardOptions o;
  o.kind = RewardKind::kAccPenalty;
  o.lambda = 2;
  o.target_cost = 50e6;
  EXPECT_NEAR(compute_reward(o, m), 0.9 - 2 * 0.2, 1e-12);
  m.cost = 40e6;  // under budget: no penalty
  EXPECT_NEAR(compute_reward(o, m), 0.9, 1e-12);
  o.kind = RewardKind::kAccLinear;
  o.original_cost = 80e6;
  EXPECT_NEAR(compute_reward(o, m), 0.9 - 2 * 0.5, 1e-12);
  o.kind = RewardKind::kAmc;
  EXPECT_NEAR(compute_reward(o, m), -0.1 * std::log(40e6), 1e-9);
  o.kind = RewardKind::kLossLinear;
  EXPECT_NEAR(compute_reward(o, m), -(0.3 + 2 * 0.04), 1e-12);
  o.kind = RewardKind::kLabelFree;
  EXPECT_NEAR(compute_reward(o, m), -0.05, 1e-12);
}

TEST(Reward, NamesRoundTripAndBadOptionsAreRejected) {
  for (const auto& n : known_rewards()) EXPECT_EQ(reward_name(reward_from_name(n)), n);
  EXPECT_THROW(reward_from_name("accuracy"), UserError);
  RewardOptions o;
  o.kind = RewardKind::kAccPenalty;
  EXPECT_THROW(validate(o), UserError);  // no target
  o.target_cost = 1;
  o.lambda = -1;
  EXPECT_THROW(validate(o), UserError);
}

}  // namespace
}  // namespace pk
