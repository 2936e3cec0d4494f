#include "io/onnx_import.h"

#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/strings.h"
#include "graph/builder.h"
#include "graph/params.h"
#include "io/import_rewrites.h"
#include "io/onnx_fusions.h"
#include "io/onnx_importer.h"

namespace pk {

const std::vector<std::string>& onnx_supported_ops() { return OnnxImporter::supported_ops(); }

OnnxImport import_onnx_bytes(const std::string& bytes, const std::string& source) {
  const onnx::ModelProto model = parse_onnx_model(bytes, source);
  return OnnxImporter(model, source).run();
}

OnnxImporter::OnnxImporter(const onnx::ModelProto& model, std::string source)
    : model_(model), source_(std::move(source)) {
  from_prunekit_ = model_.producer_name() == "prunekit";
}

OnnxImport OnnxImporter::run() {
  read_opset();
  const std::vector<onnx::NodeProto> nodes = fused_onnx_nodes(model_.graph());
  count_uses(nodes);
  read_initializers();
  read_inputs();
  for (const auto& n : nodes) import_node(n);
  return finish();
}

void OnnxImporter::count_uses(const std::vector<onnx::NodeProto>& nodes) {
  for (const auto& n : nodes)
    for (const auto& in : n.input())
      if (!in.empty()) ++uses_[in];
  for (const auto& o : model_.graph().output()) ++uses_[o.name()];
}

void OnnxImporter::read_opset() {
  for (const auto& op : model_.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = op.version();
  }
  PK_CHECK(opset_ != 0, "'{}': the model declares no ai.onnx opset (opset_import is empty)", source_);
  PK_CHECK(opset_ >= 11 && opset_ <= 17,
           "'{}': opset {} is not supported; prunekit imports opsets 11 to 17 (re-export with "
           "torch.onnx.export(..., opset_version=13))",
           source_, opset_);
}

void OnnxImporter::read_initializers() {
  for (const auto& t : model_.graph().initializer()) {
    OnnxValue v;
    v.kind = OnnxValue::Kind::kConstant;
    v.constant = decode_tensor(t, fmt::format("'{}': initializer '{}'", source_, t.name()));
    values_[t.name()] = std::move(v);
  }
  PK_CHECK(model_.graph().sparse_initializer_size() == 0, "'{}': sparse initializers are not supported", source_);
}

void OnnxImporter::read_inputs() {
  int count = 0;
  for (const auto& in : model_.graph().input()) {
    if (values_.count(in.name())) continue;  // an initializer listed as an input (old exporters)
    const std::string where = fmt::format("'{}': graph input '{}'", source_, in.name());
    PK_CHECK(in.type().has_tensor_type(), "{}: only tensor inputs are supported", where);
    const auto& tt = in.type().tensor_type();
    PK_CHECK(tt.elem_type() == onnx::TensorProto::FLOAT, "{}: element type must be float32", where);
    PK_CHECK(tt.has_shape(), "{}: has no shape; prunekit needs [N,C,H,W] or [N,F] with fixed C, H, W", where);
    const auto& dims = tt.shape().dim();
    PK_CHECK(dims.size() == 4 || dims.size() == 2, "{}: has rank {}; expected [N,C,H,W] or [N,F]", where,
             dims.size());
    Shape s;
    for (int d = 1; d < dims.size(); ++d) {
      PK_CHECK(dims[d].has_dim_value(), "{}: dimension {} is dynamic ('{}'); only the batch dimension may be dynamic",
               where, d, dims[d].dim_param());
      PK_CHECK(dims[d].dim_value() > 0, "{}: dimension {} is {}; every dimension but the batch must be at least 1",
               where, d, dims[d].dim_value());
      s.dims.push_back(dims[d].dim_value());
    }
    if (dims[0].has_dim_value() && dims[0].dim_value() > 0) static_batch_ = dims[0].dim_value();
    Node node{names_.take(in.name()), OpKind::kInput, {}, InputAttrs{s}, {}};
    try {
      node.shape = infer_shape(node, {});
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: {}", where, e.what()));
    }
    index_[node.name] = static_cast<int>(nodes_.size());
    OnnxValue v;
    v.node = node.name;
    values_[in.name()] = v;
    nodes_.push_back(std::move(node));
    ++count;
  }
  PK_CHECK(count >= 1, "'{}': the graph has no (non-initializer) input", source_);
}

void OnnxImporter::import_node(const onnx::NodeProto& n) {
  const bool fused = n.domain() == kFusedDomain;
  PK_CHECK(n.domain().empty() || n.domain() == "ai.onnx" || fused,
           "{}: ops of domain '{}' are not supported (only the default ai.onnx domain)", where(n), n.domain());
  PK_CHECK(n.output_size() >= 1 && !n.output(0).empty(), "{}: has no output", where(n));
  const OnnxAttrs a(n, where(n));
  const auto& table = fused ? fused_handlers() : handlers();
  const auto it = table.find(n.op_type());
  PK_CHECK(it != table.end(), "{}: op '{}' is not supported; supported ops: {}", where(n), n.op_type(),
           join(supported_ops(), ", "));
  it->second(*this, n, a);
}

const std::map<std::string, OnnxImporter::Handler>& OnnxImporter::handlers() {
  using N = const onnx::NodeProto&;
  using A = const OnnxAttrs&;
  auto unary_op = [](OpKind op) { return [op](OnnxImporter& i, N n, A a) { i.unary(n, a, op); }; };
  auto arith_op = [](Arith op) { return [op](OnnxImporter& i, N n, A) { i.arithmetic(n, op); }; };
  auto pool_op = [](OpKind op) { return [op](OnnxImporter& i, N n, A a) { i.pool(n, a, op); }; };
  static const std::map<std::string, Handler> table{
      {"Conv", [](OnnxImporter& i, N n, A a) { i.conv(n, a); }},
      {"BatchNormalization", [](OnnxImporter& i, N n, A a) { i.batch_norm(n, a); }},
      {"Relu", unary_op(OpKind::kReLU)},
      {"LeakyRelu", unary_op(OpKind::kLeakyReLU)},
      {"Sigmoid", unary_op(OpKind::kSigmoid)},
      {"HardSigmoid", unary_op(OpKind::kHardSigmoid)},
      {"HardSwish", unary_op(OpKind::kHardSwish)},
      {"Softmax", [](OnnxImporter& i, N n, A a) { i.softmax(n, a, OpKind::kSoftmax); }},
      {"LogSoftmax", [](OnnxImporter& i, N n, A a) { i.softmax(n, a, OpKind::kLogSoftmax); }},
      {"Clip", [](OnnxImporter& i, N n, A a) { i.clip(n, a); }},
      {"Add", arith_op(Arith::kAdd)},
      {"Sub", arith_op(Arith::kSub)},
      {"Mul", arith_op(Arith::kMul)},
      {"Div", arith_op(Arith::kDiv)},
      {"Concat", [](OnnxImporter& i, N n, A a) { i.concat(n, a); }},
      {"MaxPool", pool_op(OpKind::kMaxPool2d)},
      {"AveragePool", pool_op(OpKind::kAvgPool2d)},
      {"GlobalAveragePool", [](OnnxImporter& i, N n, A) { i.global_avg_pool(n); }},
      {"ReduceMean", [](OnnxImporter& i, N n, A a) { i.reduce(n, a, OpKind::kGlobalAvgPool); }},
      {"ReduceMax", [](OnnxImporter& i, N n, A a) { i.reduce(n, a, OpKind::kMaxPool2d); }},
      {"Flatten", [](OnnxImporter& i, N n, A a) { i.flatten(n, a); }},
      {"Reshape", [](OnnxImporter& i, N n, A a) { i.reshape(n, a); }},
      {"Gemm", [](OnnxImporter& i, N n, A a) { i.gemm(n, a); }},
      {"MatMul", [](OnnxImporter& i, N n, A) { i.matmul(n); }},
      {"Resize", [](OnnxImporter& i, N n, A a) { i.resize(n, a); }},
      {"Upsample", [](OnnxImporter& i, N n, A a) { i.resize(n, a); }},
      {"Pad", [](OnnxImporter& i, N n, A a) { i.pad(n, a); }},
      {"Gather", [](OnnxImporter& i, N n, A a) { i.gather(n, a); }},
      {"Identity", [](OnnxImporter& i, N n, A) { i.identity(n); }},
      {"Dropout", [](OnnxImporter& i, N n, A) { i.dropout(n); }},
      {"Constant", [](OnnxImporter& i, N n, A a) { i.constant(n, a); }},
      {"Shape", [](OnnxImporter& i, N n, A a) { i.shape_op(n, a); }},
      {"Unsqueeze", [](OnnxImporter& i, N n, A a) { i.unsqueeze(n, a, false); }},
      {"Squeeze", [](OnnxImporter& i, N n, A a) { i.unsqueeze(n, a, true); }},
      {"Slice", [](OnnxImporter& i, N n, A) { i.slice(n); }},
      {"Split", [](OnnxImporter& i, N n, A a) { i.split(n, a); }},
      {"Cast", [](OnnxImporter& i, N n, A a) { i.cast(n, a); }},
      {"ConstantOfShape", [](OnnxImporter& i, N n, A a) { i.constant_of_shape(n, a); }},
      {"Transpose", [](OnnxImporter& i, N n, A a) { i.transpose(n, a); }},
      {"LayerNormalization", [](OnnxImporter& i, N n, A a) { i.layer_norm(n, a); }},
  };
  return table;
}

const std::map<std::string, OnnxImporter::Handler>& OnnxImporter::fused_handlers() {
  using N = const onnx::NodeProto&;
  using A = const OnnxAttrs&;
  static const std::map<std::string, Handler> table{
      {"LayerNorm", [](OnnxImporter& i, N n, A a) { i.layer_norm(n, a); }},
      {"GELU", [](OnnxImporter& i, N n, A a) { i.unary(n, a, OpKind::kGELU); }},
      {"MatMulAdd", [](OnnxImporter& i, N n, A) { i.matmul(n); }},
  };
  return table;
}

const std::vector<std::string>& OnnxImporter::supported_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const auto& [name, handler] : handlers()) names.push_back(name);
    return names;  // sorted: the table is a std::map
  }();
  return ops;
}


OnnxImport OnnxImporter::finish() {
  // Graph outputs must be features; everything not needed for them is dropped (e.g. the Sigmoid
  // of a fused SiLU), except the graph inputs, which are the model's signature.
  std::vector<std::string> outputs;
  for (const auto& o : model_.graph().output()) {
    auto it = values_.find(o.name());
    PK_CHECK(it != values_.end(), "'{}': graph output '{}' is not produced by any node", source_, o.name());
    PK_CHECK(it->second.kind != OnnxValue::Kind::kChannelsLast && it->second.kind != OnnxValue::Kind::kShuffleView,
             "'{}': graph output '{}' is a channels-last or channel-shuffle view; prunekit's outputs are [N, C, H, W] "
             "or [N, F] (transpose it back in the model)",
             source_, o.name());
    PK_CHECK(it->second.kind == OnnxValue::Kind::kFeature,
             "'{}': graph output '{}' is a constant or shape value, not a tensor computed from the input", source_,
             o.name());
    outputs.push_back(it->second.node);
  }
  PK_CHECK(!outputs.empty(), "'{}': the graph has no output", source_);
  PendingNodes rewritable{nodes_, index_, outputs};
  for (const ImportRewrite& rewrite : import_rewrites()) rewrite.apply(rewritable);
  // Every node the outputs depend on, by an explicit stack (a recursion would overflow the call
  // stack on long chains).
  std::vector<bool> live(nodes_.size(), false);
  std::vector<int> pending;
  for (const auto& o : outputs) pending.push_back(index_.at(o));
  while (!pending.empty()) {
    const int i = pending.back();
    pending.pop_back();
    if (live[i]) continue;
    live[i] = true;
    for (const auto& in : nodes_[i].inputs) pending.push_back(index_.at(in));
  }

  GraphBuilder b;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (live[i] || nodes_[i].op == OpKind::kInput) b.add(nodes_[i]);
  for (const auto& o : outputs) b.output(o);
  OnnxImport result;
  result.graph = b.build();
  const Graph& g = result.graph;
  for (int i = 0; i < g.size(); ++i) {
    const Node& node = g.node(i);
    for (const auto& spec : tensor_specs(g, i)) {
      auto it = tensors_.find(node.name);
      PK_ASSERT(it != tensors_.end() && it->second.count(spec.name), "ONNX import: node '{}' lacks tensor '{}'",
                node.name, spec.name);
      ConstTensor& t = it->second.at(spec.name);
      PK_CHECK(t.numel() == spec.numel(), "'{}': node '{}' ({}): tensor '{}' has {} values, expected shape [{}]",
               source_, node.name, op_name(node.op), spec.name, t.numel(), fmt::join(spec.shape, ","));
      result.tensors.push_back({node.name, spec.name, spec.shape, std::move(t.floats)});
    }
  }
  for (const auto& prop : model_.metadata_props()) {
    if (prop.key() != "prunekit_metadata") continue;
    auto parsed = nlohmann::json::parse(prop.value(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) result.metadata = std::move(parsed);
  }
  result.metadata["source"] = {{"format", "onnx"},
                               {"file", source_},
                               {"producer", model_.producer_name()},
                               {"producer_version", model_.producer_version()},
                               {"opset", opset_},
                               {"ir_version", model_.ir_version()}};
  return result;
}

// ---- helpers ----

std::string OnnxImporter::where(const onnx::NodeProto& n) const {
  const std::string& name = n.name().empty() ? n.output_size() ? n.output(0) : std::string("?") : n.name();
  if (n.domain() == kFusedDomain)  // named after the last ONNX node of the pattern
    return fmt::format("'{}': node '{}' ({}, fused from the nodes that compute it)", source_, name, n.op_type());
  return fmt::format("'{}': node '{}' ({})", source_, name, n.op_type());
}

bool OnnxImporter::has_input(const onnx::NodeProto& n, int k) const {
  return k < n.input_size() && !n.input(k).empty();
}

const OnnxValue& OnnxImporter::input(const onnx::NodeProto& n, int k) const {
  PK_CHECK(has_input(n, k), "{}: input {} is missing", where(n), k);
  auto it = values_.find(n.input(k));
  PK_CHECK(it != values_.end(),
           "{}: input '{}' is not defined (no initializer, graph input or earlier node produces it)", where(n),
           n.input(k));
  return it->second;
}

const OnnxValue& OnnxImporter::feature(const onnx::NodeProto& n, int k, int rank) const {
  const OnnxValue& v = input(n, k);
  PK_CHECK(v.kind != OnnxValue::Kind::kShuffleView,
           "{}: input '{}' is the [N, {}, C/{}, H, W] view of a channel shuffle; only Transpose(perm=[0,2,1,3,4]) "
           "and the Reshape back to [N, C, H, W] may read it",
           where(n), n.input(k), v.shuffle_groups, v.shuffle_groups);
  PK_CHECK(v.kind != OnnxValue::Kind::kChannelsLast,
           "{}: input '{}' is in channels-last layout [N, H, W, C] (after a Transpose with perm=[0,2,3,1]); prunekit "
           "reads that layout only with elementwise ops, MatMul / Linear and LayerNorm over the channels, and the "
           "Transpose back (perm=[0,3,1,2])",
           where(n), n.input(k));
  PK_CHECK(v.kind == OnnxValue::Kind::kFeature,
           "{}: input '{}' is a constant; prunekit supports this op only on tensors computed from the graph input",
           where(n), n.input(k));
  const int r = rank_of(v);
  PK_CHECK(rank == 0 || r == rank, "{}: input '{}' has rank {}, expected {}", where(n), n.input(k), r, rank);
  return v;
}

const OnnxValue& OnnxImporter::feature_any_layout(const onnx::NodeProto& n, int k) const {
  const OnnxValue& v = input(n, k);
  return v.kind == OnnxValue::Kind::kChannelsLast ? v : feature(n, k);
}

std::optional<std::vector<float>> OnnxImporter::per_channel(const ConstTensor& k, const OnnxValue& x) const {
  const int64_t channels = shape_of(x).channels();
  if (!k.is_float) return std::nullopt;
  if (k.numel() == 1) return std::vector<float>(static_cast<size_t>(channels), k.floats.at(0));
  // Right-aligned to x's ONNX rank, the constant must be 1 everywhere but on the channel axis.
  const int rank = rank_of(x);
  const int channel_axis = x.kind == OnnxValue::Kind::kChannelsLast || rank == 2 ? rank - 1 : 1;
  const int r = static_cast<int>(k.dims.size());
  if (r > rank || k.numel() != channels) return std::nullopt;
  for (int d = 0; d < r; ++d) {
    const int axis = rank - r + d;
    if (k.dims[static_cast<size_t>(d)] != (axis == channel_axis ? channels : 1)) return std::nullopt;
  }
  return k.floats;
}

const ConstTensor& OnnxImporter::constant_input(const onnx::NodeProto& n, int k, const char* what) const {
  const OnnxValue& v = input(n, k);
  PK_CHECK(v.kind == OnnxValue::Kind::kConstant, "{}: the {} '{}' must be an initializer or constant", where(n), what,
           n.input(k));
  return v.constant;
}

std::optional<std::vector<int64_t>> OnnxImporter::int_entries(const OnnxValue& v) const {
  if (v.kind == OnnxValue::Kind::kShape) return v.dims;
  if (v.kind == OnnxValue::Kind::kConstant && !v.constant.is_float && v.constant.dims.size() <= 1)
    return v.constant.ints;
  return std::nullopt;
}

const Shape& OnnxImporter::shape_of(const OnnxValue& v) const {
  PK_ASSERT(v.kind == OnnxValue::Kind::kFeature || v.kind == OnnxValue::Kind::kChannelsLast,
            "shape_of a non-feature value");
  return ir_node(v.node).shape;
}

std::string OnnxImporter::node_name_for(const onnx::NodeProto& n) const {
  if (from_prunekit_ && !n.name().empty()) return n.name();
  std::string scoped = torch_scope_name(n.name(), n.op_type());
  if (!scoped.empty()) return scoped;
  return n.name().empty() ? n.output(0) : n.name();
}

std::string OnnxImporter::add_node(const onnx::NodeProto& n, OpKind op, std::vector<std::string> inputs,
                                   Attrs attrs, const std::string& suffix) {
  Node node{names_.take(node_name_for(n) + suffix), op, std::move(inputs), std::move(attrs), {}};
  std::vector<const Shape*> shapes;
  for (const auto& in : node.inputs) shapes.push_back(&ir_node(in).shape);
  try {
    node.shape = infer_shape(node, shapes);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: {}", where(n), e.what()));
  }
  index_[node.name] = static_cast<int>(nodes_.size());
  nodes_.push_back(std::move(node));
  return nodes_.back().name;
}

void OnnxImporter::add_tensor(const std::string& node, const std::string& tensor, const ConstTensor& t) {
  PK_ASSERT(t.is_float, "add_tensor: integer tensor for {}.{}", node, tensor);
  tensors_[node][tensor] = t;
}

void OnnxImporter::define(const onnx::NodeProto& n, int k, OnnxValue v) {
  PK_ASSERT(k < n.output_size(), "define: output {} of a node with {}", k, n.output_size());
  if (n.output(k).empty()) return;
  PK_CHECK(values_.count(n.output(k)) == 0, "{}: output '{}' is already defined (the graph is not in SSA form)",
           where(n), n.output(k));
  values_[n.output(k)] = std::move(v);
}

void OnnxImporter::define_feature(const onnx::NodeProto& n, const std::string& ir_name) {
  OnnxValue v;
  v.node = ir_name;
  define(n, 0, std::move(v));
}

void OnnxImporter::define_like(const onnx::NodeProto& n, const std::string& ir_name, const OnnxValue& like) {
  PK_ASSERT(like.kind == OnnxValue::Kind::kFeature || like.kind == OnnxValue::Kind::kChannelsLast,
            "define_like: a {} value", static_cast<int>(like.kind));
  OnnxValue v;
  v.kind = like.kind;
  v.node = ir_name;
  define(n, 0, std::move(v));
}

void OnnxImporter::define_shape(const onnx::NodeProto& n, std::vector<int64_t> dims, bool scalar) {
  OnnxValue v;
  v.kind = OnnxValue::Kind::kShape;
  v.dims = std::move(dims);
  v.scalar = scalar;
  define(n, 0, std::move(v));
}

void OnnxImporter::expect_unused_outputs(const onnx::NodeProto& n, int from) const {
  for (int k = from; k < n.output_size(); ++k) {
    auto it = uses_.find(n.output(k));
    PK_CHECK(n.output(k).empty() || it == uses_.end() || it->second == 0,
             "{}: output {} ('{}') is used, but prunekit supports only the first output of this op", where(n), k,
             n.output(k));
  }
}

}  // namespace pk
