// Latency budgets (algorithms.md §0). Latency has no analytic model, so candidates are projected
// onto a MACs budget that stands in for it, and that proxy is refit after every update from what
// was measured: latency ≈ T0 + b·(MACs − M0), a least-squares line through the original network
// (M0 MACs, T0 ms) over every candidate so far. Candidates are then judged on their MEASURED latency (reward and
// budget_met); the proxy only steers the projection towards the target. Torch-free arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/action_space.h"

namespace pk {

struct LatencyPoint {
  int64_t macs = 0;
  double ms = 0;  // measured median latency
};

class LatencyBudget {
 public:
  /// target: a fraction (≤ 1) of original_ms, or milliseconds (> 1). UserError if the target is
  /// not positive or not below the original's latency.
  LatencyBudget(double target, double original_ms, int64_t original_macs, bool fill);

  double target_ms() const { return target_ms_; }
  double original_ms() const { return original_.ms; }

  /// The MACs budget (absolute, per sample) predicted to meet target_ms by the line through the
  /// original fitted to `measured`; proportional scaling (latency ∝ MACs) while the fit is not
  /// usable (no candidate with other MACs than the original, or a non-increasing line). Within
  /// [1% of the original MACs, the original MACs].
  Budget macs_budget(const std::vector<LatencyPoint>& measured) const;

 private:
  LatencyPoint original_;
  double target_ms_ = 0;
  bool fill_ = true;
};

}  // namespace pk
