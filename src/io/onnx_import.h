// ONNX import: a serialized ModelProto (opset 11–17) → graph IR + weights. Torch-free: the
// weights come back as plain float vectors (io/onnx_model.h turns them into a WeightStore).
//
// Supported ONNX ops and how they map (docs/formats.md, "ONNX and TorchScript"):
//   Conv → Conv2d (pads, auto_pad; an asymmetric rest → Pad), BatchNormalization → BatchNorm2d, Relu, Clip(0,6) → ReLU6,
//   Clip(0,∞) → ReLU, LeakyRelu, Sigmoid, Softmax / LogSoftmax (over the classes of [N, K]), Mul(x, Sigmoid(x)) → SiLU, Mul / Add (equal shapes or
//   [N,C,1,1] scaling), Concat (axis 1), MaxPool, AveragePool, GlobalAveragePool, Flatten (axis 1),
//   Reshape to [N,-1] → Flatten, Gemm / MatMul(+Add) → Linear, Resize/Upsample (nearest, integer
//   scale) → Upsample, Gather(axis 1, a permutation) and the channel shuffle Reshape([N,g,C/g,H,W]) →
//   Transpose(0,2,1,3,4) → Reshape([N,C,H,W]) → ChannelPermute, Pad, Identity; folded away:
//   Pad (zeros; its symmetric part is folded into the next Conv/AveragePool), Constant, Dropout, and the shape
//   arithmetic torch emits for flatten (Shape, Gather, Unsqueeze, Squeeze, Slice, Concat, Cast) and
//   for F.pad's pads (ConstantOfShape, Reshape/Transpose/Slice/Cast of constants).
// Anything else is a UserError naming the file, the ONNX node, its op and the supported list:
// the importer never returns a graph that computes something different from the ONNX model.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

/// One tensor of the imported weights, named as graph/params.h specifies.
struct ImportedTensor {
  std::string node;            // IR node name
  std::string tensor;          // "weight", "bias", "running_mean", "running_var"
  std::vector<int64_t> shape;  // tensor_specs() shape
  std::vector<float> values;   // row-major
};

struct OnnxImport {
  Graph graph;
  /// Exactly the tensors tensor_specs() lists for `graph`, in node order.
  std::vector<ImportedTensor> tensors;
  /// The "prunekit_metadata" JSON object of a file prunekit exported (else {}), with
  /// "source": {"format": "onnx", "file", "producer", "producer_version", "opset", "ir_version"}.
  nlohmann::json metadata = nlohmann::json::object();
};

/// The ONNX op types the importer accepts (for messages and docs).
const std::vector<std::string>& onnx_supported_ops();

/// Converts a serialized ONNX model; `source` names the file in every error message.
/// The batch dimension of the graph inputs is dynamic in the IR whatever the file says; the
/// other input dimensions must be fixed ([N,C,H,W] or [N,F]).
OnnxImport import_onnx_bytes(const std::string& bytes, const std::string& source);

}  // namespace pk
