#include "search/latency_budget.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace pk {

LatencyBudget::LatencyBudget(double target, double original_ms, int64_t original_macs, bool fill)
    : original_{original_macs, original_ms}, fill_(fill) {
  PK_CHECK(original_ms > 0 && original_macs > 0, "latency budget: the original network must have a positive "
           "latency and MACs (got {} ms, {} MACs)", original_ms, original_macs);
  PK_CHECK(target > 0 && std::isfinite(target), "latency target must be positive, got {}", target);
  target_ms_ = target <= 1.0 ? target * original_ms : target;
  PK_CHECK(target_ms_ < original_ms,
           "latency target {:.3f} ms is not below the original network's measured {:.3f} ms: nothing to prune for",
           target_ms_, original_ms);
}

Budget LatencyBudget::macs_budget(const std::vector<LatencyPoint>& measured) const {
  // Least squares of latency = T0 + b·(MACs − M0), anchored at the original (M0, T0): one
  // parameter, so a few noisy measurements cannot tilt it far.
  const double m0 = static_cast<double>(original_.macs);
  double num = 0, den = 0;
  for (const LatencyPoint& p : measured) {
    const double dm = static_cast<double>(p.macs) - m0;
    num += dm * (p.ms - original_.ms);
    den += dm * dm;
  }
  double macs = target_ms_ / original_.ms * m0;  // proportional
  if (den > 1e-6 * m0 * m0 && num / den > 0) macs = m0 + (target_ms_ - original_.ms) / (num / den);
  Budget b;
  b.metric = BudgetMetric::kMacs;
  b.fraction = false;
  b.fill = fill_;
  b.target = std::clamp(macs, 0.01 * m0, m0);
  return b;
}

}  // namespace pk
