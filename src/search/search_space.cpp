#include "search/search_space.h"

#include "core/error.h"

namespace pk {

void validate(const SearchSpace& space) {
  PK_CHECK(space.max_ratio > 0 && space.max_ratio < 1, "max ratio {} must be in (0, 1)", space.max_ratio);
  for (int i = 0; i < space.size(); ++i) {
    const Decision& d = space.decisions[i];
    PK_CHECK(d.features.size() == space.decisions[0].features.size(),
             "decision '{}' has {} features, the first decision {}", d.name, d.features.size(),
             space.decisions[0].features.size());
    PK_CHECK(d.kind != DecisionKind::kCategory || !d.choices.empty(), "categorical decision '{}' has no choice",
             d.name);
    if (d.owner_block >= 0) {
      PK_CHECK(d.owner_block < i, "decision '{}': its owner block {} must come before it", d.name, d.owner_block);
      PK_CHECK(space.decisions[d.owner_block].kind == DecisionKind::kBlockBit,
               "decision '{}': owner {} is not a block bit", d.name, d.owner_block);
    }
  }
}

}  // namespace pk
