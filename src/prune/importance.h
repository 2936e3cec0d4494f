// Channel importance criteria (algorithms.md §0). A plan says how many channels a group keeps;
// a criterion says which: the highest-scoring ones. Scores are per group channel, summed over
// the group's members that carry weights for that channel:
//   l1 / l2   ‖row‖₁ / ‖row‖₂ of every producer's output row and every depthwise conv's row
//   bn_gamma  |γ| of every BatchNorm2d on the group (groups without BN fall back to l1)
//   fpgm      Σ_j ‖w_i − w_j‖₂ over the producer's rows (distance to the others ≈ distance to
//             the geometric median; redundant filters score low), summed over producers
//   taylor    |Σ w·∂L/∂w| over producer rows and BN γ/β (first-order loss change of removing
//             the channel), from gradients accumulated by the caller over a few batches
// Non-prunable groups get an empty score vector.
#pragma once

#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

enum class Criterion { kL1, kL2, kBnGamma, kFpgm, kTaylor };

/// "l1", "l2", "bn_gamma", "fpgm", "taylor"; UserError listing them otherwise.
Criterion criterion_from_name(const std::string& name);
const char* criterion_name(Criterion c);
std::vector<std::string> known_criteria();

/// scores[g][i] = importance of channel i of group g (empty for non-prunable groups).
/// `gradients` (same layout as `weights`) is required for taylor and ignored otherwise.
std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, Criterion criterion,
                                                   const WeightStore* gradients = nullptr);

}  // namespace pk
