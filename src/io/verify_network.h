// Checks a written network file against the model it was written from, by reading it back the
// way its consumers do.
#pragma once

#include <string>

#include "graph/graph.h"
#include "io/network_file.h"
#include "weights/weight_store.h"

namespace pk {

/// ONNX and .pkm: read back (import_onnx / load_model); the graph must be equal, every tensor
/// of `weights` present with equal values, and the output on a random batch (2 standard-normal
/// inputs, seed 0) equal to prunekit's within 1e-4 relative to the output's scale.
/// TorchScript: loaded with torch::jit::load, the output on the same batch compared likewise.
/// Graphs with several inputs skip the output comparison. UserError "verification failed: ..."
/// naming the file and what differs; returns a one-line summary of what was checked.
std::string verify_network_file(const std::string& path, NetworkFormat format, const Graph& graph,
                                const WeightStore& weights);

}  // namespace pk
