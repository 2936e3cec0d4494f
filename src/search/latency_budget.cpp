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
  std::vector<LatencyPoint> points{original_};
  points.insert(points.end(), measured.begin(), measured.end());
  double mean_m = 0, mean_t = 0;
  for (const LatencyPoint& p : points) {
    mean_m += static_cast<double>(p.macs);
    mean_t += p.ms;
  }
  mean_m /= static_cast<double>(points.size());
  mean_t /= static_cast<double>(points.size());
  double cov = 0, var = 0;
  for (const LatencyPoint& p : points) {
    const double dm = static_cast<double>(p.macs) - mean_m;
    cov += dm * (p.ms - mean_t);
    var += dm * dm;
  }
  const double m0 = static_cast<double>(original_.macs);
  double macs = target_ms_ / original_.ms * m0;  // proportional
  if (var > 1e-6 * m0 * m0 && cov > 0) {
    const double slope = cov / var;
    const double intercept = mean_t - slope * mean_m;
    macs = (target_ms_ - intercept) / slope;
  }
  Budget b;
  b.metric = BudgetMetric::kMacs;
  b.fraction = false;
  b.fill = fill_;
  b.target = std::clamp(macs, 0.01 * m0, m0);
  return b;
}

}  // namespace pk
