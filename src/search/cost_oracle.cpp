#include "search/cost_oracle.h"

#include <algorithm>

namespace pk {

NodeCost CostOracle::cost(const Action& action, double undecided_ratio) const {
  Action filled = action;
  const double r = std::clamp(undecided_ratio, 0.0, mapping_.space.max_ratio);
  for (int i = 0; i < mapping_.space.size(); ++i)
    if (filled.skipped(i) && mapping_.space.decisions[i].kind == DecisionKind::kRatio) filled.values[i] = r;
  return space_.decode(to_prune_action(mapping_, filled)).cost;
}

}  // namespace pk
