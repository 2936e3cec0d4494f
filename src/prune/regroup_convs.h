// regroup_convs: dense convs become grouped convs whose blocks are given by permutations
// (group-convolution pruning). The result computes exactly the original network with every
// regrouped weight masked to its blocks — W[f][c] survives iff filter f and input channel c
// fall in the same block — so fine-tuning it is the masked fine-tune of the method, and the
// zeroed weights are gone from the tensors. Channel orders follow plan/regroup_layout.h: dense
// neighbours absorb the permutations; ChannelPermute nodes named "<conv>.permute_in" /
// "<conv>.permute_out" remain only where they cannot.
#pragma once

#include <map>
#include <string>

#include "graph/graph.h"
#include "plan/regroup_layout.h"
#include "prune/pruned_network.h"
#include "weights/weight_store.h"

namespace pk {

/// Pure (never touches its inputs). UserError as regroup_layout, or if a ChannelPermute name it
/// needs is taken. Readers of a conv that gets a permute after it (graph outputs too) read the
/// permute.
PrunedNetwork regroup_convs(const Graph& graph, const WeightStore& weights,
                            const std::map<std::string, ConvRegroup>& convs);

}  // namespace pk
