#include "plan/prune_plan.h"

#include <utility>

namespace pk {

void PrunePlan::keep_count(const std::string& name, int count) { groups[name] = GroupKeep{count, {}}; }

void PrunePlan::keep_indices(const std::string& name, std::vector<int> indices) {
  const int count = static_cast<int>(indices.size());
  groups[name] = GroupKeep{count, std::move(indices)};
}

bool PrunePlan::resolved() const {
  for (const auto& [name, keep] : groups)
    if (!keep.resolved()) return false;
  return true;
}

}  // namespace pk
