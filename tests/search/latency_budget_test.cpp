#include "search/latency_budget.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace pk {
namespace {

TEST(LatencyBudget, FractionAndMillisecondTargets) {
  EXPECT_DOUBLE_EQ(LatencyBudget(0.5, 10.0, 1000000, true).target_ms(), 5.0);
  EXPECT_DOUBLE_EQ(LatencyBudget(4.0, 10.0, 1000000, true).target_ms(), 4.0);
  EXPECT_THROW(LatencyBudget(12.0, 10.0, 1000000, true), UserError);  // above the original
  EXPECT_THROW(LatencyBudget(0.0, 10.0, 1000000, true), UserError);
}

TEST(LatencyBudget, ProportionalUntilTheFitIsUsable) {
  const LatencyBudget lb(0.5, 10.0, 1000000, false);
  const Budget b = lb.macs_budget({});
  EXPECT_EQ(b.metric, BudgetMetric::kMacs);
  EXPECT_FALSE(b.fraction);
  EXPECT_FALSE(b.fill);
  EXPECT_DOUBLE_EQ(b.target, 500000.0);
  // A fit that says "fewer MACs, slower" is noise: stay proportional.
  EXPECT_DOUBLE_EQ(lb.macs_budget({{500000, 12.0}}).target, 500000.0);
}

TEST(LatencyBudget, AffineLatencyIsInvertedExactly) {
  // latency = 2 ms + 8 ms per million MACs: the original (1M MACs) takes 10 ms; 5 ms needs 375k
  // (an affine latency passes through the original, so the anchored line recovers it exactly).
  const LatencyBudget lb(5.0, 10.0, 1000000, true);
  std::vector<LatencyPoint> measured;
  for (int64_t m : {300000, 450000, 600000, 800000}) measured.push_back({m, 2.0 + 8.0 * m / 1e6});
  EXPECT_NEAR(lb.macs_budget(measured).target, 375000.0, 1e-3);
  // Unreachable targets are clamped to 1% of the original.
  const LatencyBudget tight(1.5, 10.0, 1000000, true);  // below the 2 ms intercept
  EXPECT_DOUBLE_EQ(tight.macs_budget(measured).target, 10000.0);
}

}  // namespace
}  // namespace pk
