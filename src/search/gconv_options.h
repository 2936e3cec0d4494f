// Options of the group-convolution search (`prunekit search --method gconv`). Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "plan/action_space.h"
#include "search/group_count_search.h"

namespace pk {

struct GconvSearchOptions {
  Budget budget;                   // kMacs or kParams; fraction of the original, or absolute
  int min_channels_per_group = 4;  // candidate G need F/G and C/G ≥ this (depthwise excepted)
  int max_groups = 32;             // candidate G ≤ this
  bool allow_depthwise = false;    // offer G = F = C
  GroupCountRule rule = GroupCountRule::kCostPerResource;
  int sweeps = 10;                 // N_S of the permutation heuristic
  /// The ablation baseline: random block permutations (seeded) instead of the heuristic.
  bool random_permutation = false;
  uint64_t seed = 0;
  std::string out_dir = "runs/gconv";
  bool show_progress = true;
  nlohmann::json metadata = nlohmann::json::object();  // stored in pruned.pkm
};

}  // namespace pk
