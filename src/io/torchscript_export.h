// TorchScript export: a torch::jit::Module that runs the network without prunekit or its Python
// classes (torch.jit.load in Python, torch::jit::load in C++), in eval semantics.
//   * every weight is a named attribute: trainable tensors as parameters, BN running statistics
//     and ChannelPermute index vectors as buffers; the name is the IR "<node>.<tensor>" with
//     every character that is not [A-Za-z0-9_] turned into '_' ("layer1.0.conv1.weight" →
//     "layer1_0_conv1_weight"), made unique;
//   * `forward(self, <one Tensor per graph input>)` is TorchScript source generated from the
//     IR (one line per node, aten ops only) and compiled with Module::define; it returns a
//     Tensor, or a tuple of Tensors for several graph outputs;
//   * the archive carries the graph text as the extra file "prunekit/graph.txt" and the metadata
//     (JSON object) as "prunekit/metadata.json".
#pragma once

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <string>

#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

/// The generated `forward` source (deterministic; golden-tested).
std::string torchscript_forward_source(const Graph& graph);

/// The module, weights copied (detached). UserError if `weights` does not match `graph`.
torch::jit::Module to_torchscript(const Graph& graph, const WeightStore& weights);

/// Writes the module with Module::save, atomically.
void export_torchscript(const std::string& path, const Graph& graph, const WeightStore& weights,
                        const nlohmann::json& metadata = nlohmann::json::object());

}  // namespace pk
