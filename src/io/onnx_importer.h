// Internal to src/io: the state of one ONNX import. onnx_import.cpp walks the model (inputs,
// initializers, nodes in order, outputs, dead-node removal, graph build); onnx_import_ops.cpp
// maps each op. Every ONNX value is classified as a feature (an IR node's output), a constant
// (initializers, Constant nodes, folded arithmetic) or a shape vector (the integer arithmetic
// torch emits around Reshape), so patterns are recognized without a general constant folder.
#pragma once

#include <algorithm>
#include <climits>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"
#include "io/onnx_import.h"
#include "io/onnx_names.h"
#include "io/onnx_proto.h"

namespace pk {

/// The dynamic batch size as an entry of a shape vector.
inline constexpr int64_t kBatchDim = INT64_MIN;

struct OnnxValue {
  /// kShuffleView: a feature [N,C,H,W] viewed as [N, g, C/g, H, W] by the first Reshape of a
  /// channel shuffle (Reshape → Transpose(0,2,1,3,4) → Reshape back); only those may read it.
  /// kChannelsLast: a feature [N,C,H,W] viewed as [N,H,W,C] by Transpose(perm=[0,2,3,1]) (torch's
  /// permute before an nn.LayerNorm / nn.Linear over the channels); the IR node stays [C,H,W], and
  /// only layout-free ops, ops over the last axis (MatMul, LayerNorm) and the Transpose back read it.
  enum class Kind { kFeature, kConstant, kShape, kShuffleView, kChannelsLast };
  Kind kind = Kind::kFeature;
  std::string node;            // kFeature, kShuffleView, kChannelsLast: the IR node that produces it
  int shuffle_groups = 0;      // kShuffleView: g
  bool shuffle_swapped = false;  // kShuffleView: the g and C/g axes are transposed
  ConstTensor constant;        // kConstant
  std::vector<int64_t> dims;   // kShape: known ints and kBatchDim
  bool scalar = false;         // kShape: 0-D (a single entry)
};

/// The spatial padding of a Conv or pool node, in pixels per side (≥ 0).
struct SpatialPads {
  int top = 0, left = 0, bottom = 0, right = 0;
  /// The part both sides of each axis share: what torch's symmetric `padding` can express.
  Hw symmetric_part() const { return {std::min(top, bottom), std::min(left, right)}; }
  bool symmetric() const { return top == bottom && left == right; }
};

/// A value computed from the graph input (a feature, or a view of one).
inline bool is_tensor(const OnnxValue& v) {
  return v.kind == OnnxValue::Kind::kFeature || v.kind == OnnxValue::Kind::kShuffleView ||
         v.kind == OnnxValue::Kind::kChannelsLast;
}

/// "[N,3,224,224]" (kBatchDim as N), for messages.
std::string dims_str(const std::vector<int64_t>& dims);
/// The float matrix `t` [r, c] transposed to [c, r].
ConstTensor transpose2d(const ConstTensor& t);
/// Broadcasts a bias constant of shape [], [1], [out] or [1, out] to [out] times `scale`; nullopt otherwise.
std::optional<ConstTensor> bias_vector(const ConstTensor& c, int64_t out, float scale);

class OnnxImporter {
 public:
  OnnxImporter(const onnx::ModelProto& model, std::string source);
  OnnxImport run();
  /// The ONNX op types the importer maps (the keys of its handler table), sorted.
  static const std::vector<std::string>& supported_ops();

 private:
  /// Maps one ONNX node; every supported op type has exactly one.
  using Handler = std::function<void(OnnxImporter&, const onnx::NodeProto&, const OnnxAttrs&)>;
  static const std::map<std::string, Handler>& handlers();
  /// The nodes of onnx_fusions.h (domain kFusedDomain), by op type.
  static const std::map<std::string, Handler>& fused_handlers();

  // ---- onnx_import.cpp: the walk ----
  void read_opset();
  /// uses_ over `nodes` and the graph outputs.
  void count_uses(const std::vector<onnx::NodeProto>& nodes);
  void read_initializers();
  void read_inputs();
  void import_node(const onnx::NodeProto& n);
  OnnxImport finish();

  // ---- onnx_import_ops.cpp, onnx_import_arith.cpp, onnx_import_channels_last.cpp: one handler per op family ----
  void conv(const onnx::NodeProto& n, const OnnxAttrs& a);
  void batch_norm(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// An elementwise op of one tensor, in either layout (the output keeps the input's).
  void unary(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op);
  /// LayerNormalization (opset 17) and the fused LayerNorm (onnx_fusions.h) over the channels:
  /// the last axis of a channels-last value or of [N, F], or axis 1 of a fused [N, C, H, W] one.
  void layer_norm(const onnx::NodeProto& n, const OnnxAttrs& a);
  void clip(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// Softmax / LogSoftmax over the classes of [N, K] scores; other axes or ranks are refused.
  void softmax(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op);
  enum class Arith { kAdd, kSub, kMul, kDiv };
  /// Add/Sub/Mul/Div: of two features (Add, Mul), of shape
  /// values (integer arithmetic), or of a feature and a float constant (channel affine).
  void arithmetic(const onnx::NodeProto& n, Arith op);
  void shape_arithmetic(const onnx::NodeProto& n, Arith op);
  void constant_operand(const onnx::NodeProto& n, Arith op, bool constant_first);
  /// Feature ∘ constant (scalar or per channel) → a 1x1 depthwise Conv2d with bias: scale·x + shift.
  void channel_affine(const onnx::NodeProto& n, Arith op, bool constant_first);
  void concat(const onnx::NodeProto& n, const OnnxAttrs& a);
  void pool(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op);
  void global_avg_pool(const onnx::NodeProto& n);
  /// ReduceMean / ReduceMax over the spatial axes → `pool` (GlobalAvgPool, or MaxPool2d over the
  /// whole map), plus a Flatten when keepdims=0; other axes are refused.
  void reduce(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind pool);
  void flatten(const onnx::NodeProto& n, const OnnxAttrs& a);
  void reshape(const onnx::NodeProto& n, const OnnxAttrs& a);
  void gemm(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// MatMul and the fused MatMulAdd (bias as input 2) by a constant [F, out]: a Linear on [N, F],
  /// a 1x1 conv on a channels-last value.
  void matmul(const onnx::NodeProto& n);
  void resize(const onnx::NodeProto& n, const OnnxAttrs& a);
  void pad(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// `x` padded by what `pads` has beyond its symmetric part, with `value` (0, or −∞ for a max
  /// pool): a Pad node "<n>.pad" when the pads are asymmetric, else `x` itself.
  std::string asymmetric_remainder(const onnx::NodeProto& n, const std::string& x, const SpatialPads& pads,
                                   double value);
  void gather(const onnx::NodeProto& n, const OnnxAttrs& a);
  void identity(const onnx::NodeProto& n);
  void dropout(const onnx::NodeProto& n);
  void constant(const onnx::NodeProto& n, const OnnxAttrs& a);
  void shape_op(const onnx::NodeProto& n, const OnnxAttrs& a);
  void unsqueeze(const onnx::NodeProto& n, const OnnxAttrs& a, bool squeeze);
  // ---- onnx_import_consts.cpp: folding of constants (torch's pads arithmetic) ----
  void constant_of_shape(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// Reshape of a constant or shape value (input 0 is not a feature).
  void reshape_constant(const onnx::NodeProto& n, const ConstTensor& t);
  void transpose(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// Transpose of a tensor: into channels-last (perm [0,2,3,1] of [N,C,H,W]) and back; others refused.
  void transpose_layout(const onnx::NodeProto& n, const OnnxAttrs& a);
  // ---- onnx_import_shuffle.cpp: channel shuffle (Reshape → Transpose → Reshape) → ChannelPermute ----
  /// Reshape of a 4-D feature to [N, g, C/g, H, W]: the start of a channel shuffle.
  void reshape_to_channel_groups(const onnx::NodeProto& n, const OnnxValue& x, const std::vector<int64_t>& target);
  /// Reshape of a shuffle view back to [N, C, H, W]: a ChannelPermute if its axes were swapped.
  void reshape_from_channel_groups(const onnx::NodeProto& n, const OnnxValue& v, const std::vector<int64_t>& target);
  void transpose_channel_groups(const onnx::NodeProto& n, const OnnxValue& v, const std::vector<int64_t>& perm);
  void slice(const onnx::NodeProto& n);
  // ---- onnx_import_split.cpp: channel splits (Slice / Split over axis 1) → ChannelSlice ----
  /// Slice of a feature (input 0 is one).
  void slice_channels(const onnx::NodeProto& n);
  void split(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// Channels [start, end) of feature `x`: a ChannelSlice named after `n` (+ suffix), or x itself if whole.
  std::string channel_part(const onnx::NodeProto& n, const OnnxValue& x, int64_t start, int64_t end,
                           const std::string& suffix);
  void cast(const onnx::NodeProto& n, const OnnxAttrs& a);
  /// A constant or a shape vector as a tensor (a shape vector is 1-D integers, or a 0-D scalar);
  /// nullopt for a feature.
  std::optional<ConstTensor> folded_constant(const OnnxValue& v) const;
  /// Binds output 0 of `n` to the folded `t`: a shape vector again if `from` was one and `t` is
  /// integer of rank ≤ 1, else a constant.
  void define_folded(const onnx::NodeProto& n, const OnnxValue& from, ConstTensor t);

  // ---- helpers (onnx_import.cpp) ----
  /// "model.onnx: node '/layer1/Conv' (Conv)"
  std::string where(const onnx::NodeProto& n) const;
  /// Input k is given (present and not the empty name).
  bool has_input(const onnx::NodeProto& n, int k) const;
  /// Input k's value; UserError if missing or not defined yet.
  const OnnxValue& input(const onnx::NodeProto& n, int k) const;
  /// Input k as a feature of rank `rank` (0 = 2 or 4), in the [N, C, …] layout.
  const OnnxValue& feature(const onnx::NodeProto& n, int k, int rank = 0) const;
  /// Input k as a feature in either layout: [N, C, …] or channels-last.
  const OnnxValue& feature_any_layout(const onnx::NodeProto& n, int k) const;
  /// The values `n`'s constant input k holds, one per channel of `x` ([C] aligned to x's channel
  /// axis under numpy broadcasting: [C,1,1] / [1,C,1,1] in [N,C,H,W], [C] / [1,…,C] channels-last
  /// or in [N, C]), a scalar broadcast to all; nullopt for any other shape.
  std::optional<std::vector<float>> per_channel(const ConstTensor& k, const OnnxValue& x) const;
  /// Input k as a constant; `what` names the operand ("weight").
  const ConstTensor& constant_input(const onnx::NodeProto& n, int k, const char* what) const;
  /// Integer entries of a shape vector or an integer constant (kBatchDim for the batch), or nullopt.
  std::optional<std::vector<int64_t>> int_entries(const OnnxValue& v) const;
  const Shape& shape_of(const OnnxValue& feature) const;
  /// Rank including the batch dimension (4 for CxHxW, 2 for F).
  int rank_of(const OnnxValue& feature) const { return shape_of(feature).rank() + 1; }
  Node& ir_node(const std::string& name) { return nodes_.at(index_.at(name)); }
  const Node& ir_node(const std::string& name) const { return nodes_.at(index_.at(name)); }
  /// Adds an IR node named after `n` (plus `suffix`, for a helper node such as "<conv>.pad"),
  /// infers its shape (errors name `n`), returns its name.
  std::string add_node(const onnx::NodeProto& n, OpKind op, std::vector<std::string> inputs, Attrs attrs,
                       const std::string& suffix = "");
  void add_tensor(const std::string& node, const std::string& tensor, const ConstTensor& t);
  /// Binds output k of `n`.
  void define(const onnx::NodeProto& n, int k, OnnxValue v);
  void define_feature(const onnx::NodeProto& n, const std::string& ir_name);
  /// Binds output 0 of `n` to IR node `ir_name` in the layout of `like` (a feature or channels-last).
  void define_like(const onnx::NodeProto& n, const std::string& ir_name, const OnnxValue& like);
  void define_shape(const onnx::NodeProto& n, std::vector<int64_t> dims, bool scalar);
  /// UserError if output k ≥ 1 of `n` (an optional output such as MaxPool's indices) is used.
  void expect_unused_outputs(const onnx::NodeProto& n, int from) const;
  std::string node_name_for(const onnx::NodeProto& n) const;

  const onnx::ModelProto& model_;
  std::string source_;
  int64_t opset_ = 0;
  bool from_prunekit_ = false;  // names written by prunekit's exporter are kept verbatim
  int64_t static_batch_ = 0;    // fixed batch size of the graph input, 0 if dynamic
  std::unordered_map<std::string, OnnxValue> values_;
  std::unordered_map<std::string, int> uses_;  // ONNX value name → number of readers (+ graph outputs)
  std::vector<Node> nodes_;                    // pending IR nodes, topological order
  std::unordered_map<std::string, int> index_;
  std::map<std::string, std::map<std::string, ConstTensor>> tensors_;  // IR node → tensor name → data
  NameAllocator names_;
};

}  // namespace pk
