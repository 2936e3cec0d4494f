// ONNX files ↔ prunekit networks (graph + WeightStore). The mapping of ops is in onnx_import.h
// (import) and below (export); docs/formats.md "ONNX and TorchScript" lists both.
//
// Export writes opset 13, IR version 7, one value_info per intermediate value, graph inputs and
// outputs with a dynamic batch dimension named "N", and passes onnx.checker with full_check.
// Node and value names are the IR node names, so importing an exported file gives back the same
// graph (names included). Op mapping:
//   Conv2d → Conv (group), BatchNorm2d → BatchNormalization, ReLU → Relu, ReLU6 → Clip(0, 6),
//   LeakyReLU → LeakyRelu, SiLU → Sigmoid + Mul, Sigmoid, Add, Mul, Concat(axis 1), MaxPool2d →
//   MaxPool, AvgPool2d → AveragePool, GlobalAvgPool → GlobalAveragePool, Upsample → Resize
//   (nearest, asymmetric, floor), Flatten → Flatten(axis 1), Linear → Gemm(transB=1),
//   ChannelPermute → Gather(axis 1), Identity.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "graph/graph.h"
#include "weights/model_file.h"
#include "weights/weight_store.h"

namespace pk {

/// Reads an ONNX file into a network; the metadata is the "prunekit_metadata" of a file prunekit
/// wrote (else {}), with "source" set to this file ({"source": {"format": "onnx", ...}}).
/// UserError naming the file (and the node) for every problem, see import_onnx_bytes.
ModelFile import_onnx(const std::string& path);
/// The same from bytes in memory; `source` names them in messages.
ModelFile import_onnx_model(const std::string& bytes, const std::string& source);

/// The serialized ModelProto of a network. UserError if `weights` does not match `graph`.
/// `metadata` (a JSON object, e.g. a .pkm's training recipe and accuracy) is stored as the
/// metadata_props entry "prunekit_metadata"; import_onnx reads it back.
std::string onnx_model_bytes(const Graph& graph, const WeightStore& weights,
                             const nlohmann::json& metadata = nlohmann::json::object());
/// Writes the ONNX file atomically (no partial file on error).
void export_onnx(const std::string& path, const Graph& graph, const WeightStore& weights,
                 const nlohmann::json& metadata = nlohmann::json::object());

}  // namespace pk
