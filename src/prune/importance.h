// Channel importance criteria (algorithms.md §0). A plan says how many channels a group keeps;
// a criterion says which: the highest-scoring ones.
//
// Every member of a group that carries weights for the group's channels is scored on its own
// (a per-member vector of one score per group channel):
//   producer  Conv2d/Linear output rows  W[c, ...]
//   sliced    depthwise Conv2d rows W[c, ...]; BatchNorm2d γ[c] (and β[c] for taylor)
//   consumer  Conv2d (groups = 1) input columns W[:, c, ...]; Linear input columns
//             W[:, c·spatial .. (c+1)·spatial) after a Flatten (GroupMember::spatial)
// Per criterion:
//   l1 / l2   ‖·‖₁ / ‖·‖₂ of every row and column; |γ| of every BN (for both)
//   bn_gamma  |γ| of every BN member; a group without BN falls back to l1 (all members)
//   fpgm      Σ_j ‖w_i − w_j‖₂ over each producer's rows (distance to the others ≈ distance to
//             the geometric median; redundant filters score low); producers only
//   taylor    |Σ w·∂L/∂w| over each row (with its bias), each column, and BN γ/β: the
//             first-order loss change of removing the channel (gradients from the caller,
//             e.g. accumulate_gradients in train/gradients.h)
// Each member's vector is divided by its normaliser (its mean or max over the group's
// channels; a zero normaliser leaves the vector as is), then the members are reduced channel
// by channel (sum, mean or max). See docs/methods.md "Channel importance".
#pragma once

#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "prune/criterion.h"
#include "weights/weight_store.h"

namespace pk {

/// Per group: scores[g][i] = importance of channel i of group g (size == group size), empty for
/// non-prunable groups. `gradients` (same layout as `weights`, summed ∂L/∂w) is required for
/// taylor (UserError without) and ignored otherwise.
std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, const ImportanceOptions& options,
                                                   const WeightStore* gradients = nullptr);

/// The same with ImportanceOptions' defaults for everything but the criterion.
std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, Criterion criterion,
                                                   const WeightStore* gradients = nullptr);

}  // namespace pk
