// JSON form of a PrunePlan (docs/formats.md, "Prune plan (JSON)"):
//   {"format": "prunekit-plan", "version": 1,
//    "groups": {"layer1.0.conv1": {"keep": 12}, "conv1": {"keep": 3, "indices": [0, 5, 9]}},
//    "removed_blocks": ["layer1.1.add"],
//    "conv_groups": {"layer2.0.conv2": 4},
//    "conv_permutations": {"layer2.0.conv2": {"filters": [3, 0, ...], "channels": [1, 2, ...]}}}
// The writer is deterministic (keys sorted, one group per line). The reader checks the
// structure and types (UserError naming the source and the field); whether the plan fits a
// graph is validate_plan's job.
#pragma once

#include <string>

#include "plan/prune_plan.h"

namespace pk {

std::string plan_to_json(const PrunePlan& plan);
/// `source` names the origin in error messages (a path, "<string>").
PrunePlan plan_from_json(const std::string& text, const std::string& source = "<string>");

/// Writes atomically (never leaves a partial file); UserError if the path is not writable.
void save_plan(const std::string& path, const PrunePlan& plan);
PrunePlan load_plan(const std::string& path);

}  // namespace pk
