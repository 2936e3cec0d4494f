// Thin helpers over libonnx's protobuf types (namespace onnx): parsing a ModelProto with clear
// errors, typed attribute access that names the node, and constant-tensor decoding/encoding.
// Torch-free: used by the importer (which must stay testable without libtorch) and the exporter.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pk {

/// A decoded constant (initializer, Constant node or folded shape arithmetic).
/// Float tensors (FLOAT, DOUBLE) hold `floats`; integer tensors (INT64, INT32) hold `ints`.
struct ConstTensor {
  std::vector<int64_t> dims;  // empty = scalar
  bool is_float = true;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  int64_t numel() const {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }
  /// Value k as a double whatever the element type.
  double at(int64_t k) const { return is_float ? floats.at(k) : static_cast<double>(ints.at(k)); }
};

/// Parses a serialized ModelProto. UserError naming `source` if the bytes are not protobuf, are
/// truncated, or hold no graph (the message says what the bytes look like instead).
onnx::ModelProto parse_onnx_model(const std::string& bytes, const std::string& source);

/// Decodes a TensorProto (raw_data or the typed *_data fields; FLOAT, DOUBLE, INT64, INT32).
/// UserError naming `where` for external data, other element types, negative dims, or a data
/// size that does not match the dims.
ConstTensor decode_tensor(const onnx::TensorProto& tensor, const std::string& where);

/// Fills `out` as a FLOAT tensor with raw_data (little-endian float32).
void encode_float_tensor(onnx::TensorProto* out, const std::string& name, const std::vector<int64_t>& dims,
                         const float* data);
/// Fills `out` as an INT64 tensor with raw_data (little-endian).
void encode_int64_tensor(onnx::TensorProto* out, const std::string& name, const std::vector<int64_t>& dims,
                         const std::vector<int64_t>& values);

/// Typed access to one node's attributes; every getter checks the attribute type and names
/// `where` (e.g. "model.onnx: node '/conv1/Conv' (Conv)") in errors.
class OnnxAttrs {
 public:
  OnnxAttrs(const onnx::NodeProto& node, std::string where);

  bool has(const std::string& name) const { return find(name) != nullptr; }
  int64_t i(const std::string& name, int64_t fallback) const;
  float f(const std::string& name, float fallback) const;
  std::string s(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> ints(const std::string& name, const std::vector<int64_t>& fallback) const;
  /// Attribute `name` of type TENSOR, decoded; UserError if absent.
  ConstTensor tensor(const std::string& name) const;
  /// UserError naming the first attribute not in `known` (so an unexpected option is never ignored).
  void expect_only(const std::vector<std::string>& known) const;

 private:
  const onnx::AttributeProto* find(const std::string& name) const;
  const onnx::AttributeProto& expect(const std::string& name, onnx::AttributeProto::AttributeType type) const;

  const onnx::NodeProto& node_;
  std::string where_;
};

/// The float as a double with its shortest decimal form (1e-05f → 1e-05, not 9.99999974e-06),
/// so attributes written as float32 by ONNX read back to the values the user wrote.
double float_to_double(float value);

}  // namespace pk
