// ONNX export (mapping in onnx_model.h). One ONNX node per IR node, except SiLU (Sigmoid + Mul);
// weights become initializers named "<node>.<tensor>" as in a PyTorch state_dict.
#include <sstream>
#include <unordered_set>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/params.h"
#include "io/onnx_model.h"
#include "io/onnx_proto.h"

namespace pk {
namespace {

constexpr int64_t kOpset = 13;
constexpr int64_t kIrVersion = 7;  // the IR version of opset 13 (ONNX 1.8); every runtime reads it

class OnnxExporter {
 public:
  OnnxExporter(const Graph& graph, const WeightStore& weights, const nlohmann::json& metadata)
      : graph_(graph), weights_(weights), metadata_(metadata) {
    for (const auto& n : graph_.nodes()) used_.insert(n.name);
  }

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(kIrVersion);
    model.set_producer_name("prunekit");
    model.set_producer_version("0.1.0");
    if (metadata_.is_object() && !metadata_.empty()) {
      auto* prop = model.add_metadata_props();
      prop->set_key("prunekit_metadata");
      prop->set_value(metadata_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    auto* op = model.add_opset_import();
    op->set_domain("");
    op->set_version(kOpset);
    g_ = model.mutable_graph();
    g_->set_name("prunekit");
    std::unordered_set<std::string> outputs(graph_.outputs().begin(), graph_.outputs().end());
    for (int i = 0; i < graph_.size(); ++i) {
      const Node& n = graph_.node(i);
      if (n.op == OpKind::kInput) {
        value_info(g_->add_input(), n.name, n.shape);
        continue;
      }
      export_node(i);
      if (!outputs.count(n.name)) value_info(g_->add_value_info(), n.name, n.shape);
    }
    for (const auto& o : graph_.outputs()) value_info(g_->add_output(), o, graph_.node(o).shape);
    return model;
  }

 private:
  /// A name unused by any IR node or earlier auxiliary value.
  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int k = 1; used_.count(name); ++k) name = fmt::format("{}_{}", base, k);
    used_.insert(name);
    return name;
  }

  static void value_info(onnx::ValueInfoProto* v, const std::string& name, const Shape& s) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = t->mutable_shape();
    shape->add_dim()->set_dim_param("N");
    for (auto d : s.dims) shape->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  }

  static void attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto* n, const std::string& name, double v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(v));
  }
  static void attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attr(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }

  /// PyTorch's hardsigmoid, clamp(x / 6 + 1/2, 0, 1), as ONNX HardSigmoid writing `output`.
  void hard_sigmoid(const std::string& output, const std::string& x) {
    auto* h = node("HardSigmoid", output, {x}, output);
    attr(h, "alpha", 1.0 / 6.0);
    attr(h, "beta", 0.5);
  }

  /// An intermediate value of per-sample shape `shape` computed by op `op` from `inputs`, under a
  /// fresh name derived from `base`; returns the name.
  std::string step(const std::string& op, const std::string& base, std::vector<std::string> inputs, const Shape& shape) {
    const std::string s = fresh(base);
    node(op, s, std::move(inputs), s);
    value_info(g_->add_value_info(), s, shape);
    return s;
  }

  /// LayerNorm over axis 1 (opset 13 has no LayerNormalization), the form torch exports and the
  /// importer's layer-norm fusion reads back: d = x − mean₁(x); d / sqrt(mean₁(d²) + eps) · w + b,
  /// with w and b shaped [C,1,1] for a feature map (they broadcast over H, W) and [C] for a vector.
  void layer_norm(const Node& n, const std::string& x) {
    const std::string& base = n.name;
    Shape one_channel = n.shape;  // a statistic per position: [1, H, W] or [1]
    one_channel.dims[0] = 1;
    const auto mean_over_channels = [&](const std::string& suffix, const std::string& in) {
      const std::string s = fresh(base + suffix);
      attr(node("ReduceMean", s, {in}, s), "axes", std::vector<int64_t>{1});  // keepdims defaults to 1
      value_info(g_->add_value_info(), s, one_channel);
      return s;
    };
    const std::string d = step("Sub", base + "/centered", {x, mean_over_channels("/mean", x)}, n.shape);
    const std::string sq = step("Pow", base + "/square", {d, float_const(base + ".two", {}, {2.0f})}, n.shape);
    const std::string var = mean_over_channels("/variance", sq);
    const float eps = static_cast<float>(n.attr<LayerNormAttrs>().eps);
    const std::string var_eps = step("Add", base + "/variance_eps", {var, float_const(base + ".eps", {}, {eps})}, one_channel);
    const std::string sd = step("Sqrt", base + "/std", {var_eps}, one_channel);
    const std::string normed = step("Div", base + "/normalized", {d, sd}, n.shape);
    const int64_t c = n.shape.channels();
    const std::vector<int64_t> dims = n.shape.rank() == 3 ? std::vector<int64_t>{c, 1, 1} : std::vector<int64_t>{c};
    const auto param = [&](const char* tensor) {
      torch::Tensor t = weights_.get(n.name, tensor).detach().contiguous().to(torch::kFloat32);
      return float_const(n.name + "." + tensor, dims, std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + c));
    };
    const std::string scaled = step("Mul", base + "/scaled", {normed, param("weight")}, n.shape);
    node("Add", n.name, {scaled, param("bias")}, n.name);
  }

  /// GELU (erf form) as torch exports it at opset 13: x · (erf(x / √2) + 1) · 0.5.
  void gelu(const Node& n, const std::string& x) {
    const std::string& base = n.name;
    const std::string scaled = step("Div", base + "/scaled", {x, float_const(base + ".sqrt2", {}, {1.41421356f})}, n.shape);
    const std::string e = step("Erf", base + "/erf", {scaled}, n.shape);
    const std::string plus = step("Add", base + "/erf_plus_one", {e, float_const(base + ".one", {}, {1.0f})}, n.shape);
    const std::string prod = step("Mul", base + "/product", {x, plus}, n.shape);
    node("Mul", n.name, {prod, float_const(base + ".half", {}, {0.5f})}, n.name);
  }

  /// The IR tensor `tensor` of node `n` as an initializer; returns its name.
  std::string weight(const Node& n, const std::string& tensor) {
    torch::Tensor t = weights_.get(n.name, tensor).detach().contiguous().to(torch::kFloat32);
    const std::string name = fresh(n.name + "." + tensor);
    encode_float_tensor(g_->add_initializer(), name, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()),
                        t.data_ptr<float>());
    return name;
  }
  std::string float_const(const std::string& name, std::vector<int64_t> dims, std::vector<float> values) {
    const std::string n = fresh(name);
    encode_float_tensor(g_->add_initializer(), n, dims, values.data());
    return n;
  }

  void export_node(int index) {
    const Node& n = graph_.node(index);
    const std::vector<std::string>& in = n.inputs;
    switch (n.op) {
      case OpKind::kInput:
        break;
      case OpKind::kConv2d: {
        const auto& a = n.attr<ConvAttrs>();
        std::vector<std::string> ins{in[0], weight(n, "weight")};
        if (a.bias) ins.push_back(weight(n, "bias"));
        auto* c = node("Conv", n.name, ins, n.name);
        attr(c, "kernel_shape", std::vector<int64_t>{a.kernel.h, a.kernel.w});
        attr(c, "strides", std::vector<int64_t>{a.stride.h, a.stride.w});
        attr(c, "pads", std::vector<int64_t>{a.padding.h, a.padding.w, a.padding.h, a.padding.w});
        attr(c, "dilations", std::vector<int64_t>{a.dilation.h, a.dilation.w});
        attr(c, "group", int64_t{a.groups});
        return;
      }
      case OpKind::kBatchNorm2d: {
        const auto& a = n.attr<BatchNormAttrs>();
        auto* b = node("BatchNormalization", n.name,
                       {in[0], weight(n, "weight"), weight(n, "bias"), weight(n, "running_mean"),
                        weight(n, "running_var")},
                       n.name);
        attr(b, "epsilon", a.eps);
        attr(b, "momentum", 1.0 - a.momentum);  // ONNX: running·m + batch·(1−m)
        return;
      }
      case OpKind::kLayerNorm:
        layer_norm(n, in[0]);
        return;
      case OpKind::kGELU:
        gelu(n, in[0]);
        return;
      case OpKind::kReLU:
        node("Relu", n.name, {in[0]}, n.name);
        return;
      case OpKind::kReLU6:
        node("Clip", n.name, {in[0], float_const(n.name + ".min", {}, {0.0f}), float_const(n.name + ".max", {}, {6.0f})},
             n.name);
        return;
      case OpKind::kLeakyReLU:
        attr(node("LeakyRelu", n.name, {in[0]}, n.name), "alpha", n.attr<LeakyReluAttrs>().slope);
        return;
      case OpKind::kSiLU: {
        const std::string s = fresh(n.name + "/sigmoid");
        node("Sigmoid", s, {in[0]}, s);
        value_info(g_->add_value_info(), s, n.shape);
        node("Mul", n.name, {in[0], s}, n.name);
        return;
      }
      case OpKind::kSigmoid:
        node("Sigmoid", n.name, {in[0]}, n.name);
        return;
      case OpKind::kHardSigmoid:
        hard_sigmoid(n.name, in[0]);
        return;
      case OpKind::kHardSwish: {  // opset 13 has no HardSwish
        const std::string s = fresh(n.name + "/hardsigmoid");
        hard_sigmoid(s, in[0]);
        value_info(g_->add_value_info(), s, n.shape);
        node("Mul", n.name, {in[0], s}, n.name);
        return;
      }
      case OpKind::kAdd:
        node("Add", n.name, {in[0], in[1]}, n.name);
        return;
      case OpKind::kMul:
        node("Mul", n.name, {in[0], in[1]}, n.name);
        return;
      case OpKind::kConcat:
        attr(node("Concat", n.name, in, n.name), "axis", int64_t{1});
        return;
      case OpKind::kMaxPool2d:
      case OpKind::kAvgPool2d: {
        const auto& a = n.attr<PoolAttrs>();
        const bool max = n.op == OpKind::kMaxPool2d;
        auto* p = node(max ? "MaxPool" : "AveragePool", n.name, {in[0]}, n.name);
        attr(p, "kernel_shape", std::vector<int64_t>{a.kernel.h, a.kernel.w});
        attr(p, "strides", std::vector<int64_t>{a.stride.h, a.stride.w});
        attr(p, "pads", std::vector<int64_t>{a.padding.h, a.padding.w, a.padding.h, a.padding.w});
        attr(p, "ceil_mode", int64_t{a.ceil_mode});
        if (!max) attr(p, "count_include_pad", int64_t{a.count_include_pad});
        return;
      }
      case OpKind::kGlobalAvgPool:
        node("GlobalAveragePool", n.name, {in[0]}, n.name);
        return;
      case OpKind::kPad: {  // opset 13: pads and constant_value are inputs; pads = [N,C,H,W begins, ... ends]
        const auto& a = n.attr<PadAttrs>();
        const std::string pads = fresh(n.name + ".pads");
        encode_int64_tensor(g_->add_initializer(), pads, {8}, {0, 0, a.top, a.left, 0, 0, a.bottom, a.right});
        node("Pad", n.name, {in[0], pads, float_const(n.name + ".value", {}, {static_cast<float>(a.value)})}, n.name);
        return;
      }
      case OpKind::kUpsample: {
        const float s = static_cast<float>(n.attr<UpsampleAttrs>().scale);
        auto* r = node("Resize", n.name, {in[0], "", float_const(n.name + ".scales", {4}, {1.0f, 1.0f, s, s})}, n.name);
        attr(r, "mode", std::string("nearest"));
        attr(r, "coordinate_transformation_mode", std::string("asymmetric"));
        attr(r, "nearest_mode", std::string("floor"));
        return;
      }
      case OpKind::kFlatten:
        attr(node("Flatten", n.name, {in[0]}, n.name), "axis", int64_t{1});
        return;
      case OpKind::kSoftmax:
        attr(node("Softmax", n.name, {in[0]}, n.name), "axis", int64_t{1});
        return;
      case OpKind::kLogSoftmax:
        attr(node("LogSoftmax", n.name, {in[0]}, n.name), "axis", int64_t{1});
        return;
      case OpKind::kLinear: {
        std::vector<std::string> ins{in[0], weight(n, "weight")};
        if (n.attr<LinearAttrs>().bias) ins.push_back(weight(n, "bias"));
        attr(node("Gemm", n.name, ins, n.name), "transB", int64_t{1});
        return;
      }
      case OpKind::kChannelPermute: {
        const auto& order = n.attr<ChannelPermuteAttrs>().order;
        const std::string idx = fresh(n.name + ".order");
        encode_int64_tensor(g_->add_initializer(), idx, {static_cast<int64_t>(order.size())},
                            std::vector<int64_t>(order.begin(), order.end()));
        attr(node("Gather", n.name, {in[0], idx}, n.name), "axis", int64_t{1});
        return;
      }
      case OpKind::kChannelSlice: {  // opset 13: starts, ends, axes are inputs
        const auto& a = n.attr<ChannelSliceAttrs>();
        std::vector<std::string> ins{in[0]};
        for (const auto& [part, value] : {std::pair<const char*, int>{"starts", a.start}, {"ends", a.end}, {"axes", 1}}) {
          ins.push_back(fresh(n.name + "." + part));
          encode_int64_tensor(g_->add_initializer(), ins.back(), {1}, {value});
        }
        node("Slice", n.name, ins, n.name);
        return;
      }
      case OpKind::kIdentity:
        node("Identity", n.name, {in[0]}, n.name);
        return;
      case OpKind::kCount:
        break;
    }
    PK_ASSERT(false, "ONNX export: invalid op {}", static_cast<int>(n.op));
  }

  const Graph& graph_;
  const WeightStore& weights_;
  const nlohmann::json& metadata_;
  onnx::GraphProto* g_ = nullptr;
  std::unordered_set<std::string> used_;
};

}  // namespace

std::string onnx_model_bytes(const Graph& graph, const WeightStore& weights, const nlohmann::json& metadata) {
  weights.validate(graph, "ONNX export");
  PK_CHECK(metadata.is_null() || metadata.is_object(), "ONNX export: metadata must be a JSON object");
  torch::NoGradGuard no_grad;
  const onnx::ModelProto model = OnnxExporter(graph, weights, metadata).run();
  std::string bytes;
  PK_CHECK(model.SerializeToString(&bytes), "ONNX export: the model is larger than protobuf's 2 GiB limit");
  return bytes;
}

void export_onnx(const std::string& path, const Graph& graph, const WeightStore& weights,
                 const nlohmann::json& metadata) {
  const std::string bytes = onnx_model_bytes(graph, weights, metadata);
  write_file_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

}  // namespace pk
