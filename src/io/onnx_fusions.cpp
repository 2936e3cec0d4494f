#include "io/onnx_fusions.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "io/onnx_proto.h"

namespace pk {

FusionGraph::FusionGraph(const onnx::GraphProto& graph)
    : graph_(graph), nodes_(graph.node().begin(), graph.node().end()), live_(nodes_.size(), true) {
  for (const auto& t : graph.initializer()) initializers_[t.name()] = &t;
  for (const auto& o : graph.output()) ++output_uses_[o.name()];
  index();
}

void FusionGraph::index() {
  producer_.clear();
  readers_.clear();
  for (int i = 0; i < size(); ++i) {
    if (!live(i)) continue;
    const onnx::NodeProto& n = node(i);
    if (n.output_size() > 0 && !n.output(0).empty()) producer_.emplace(n.output(0), i);
    for (const auto& in : n.input())
      if (!in.empty()) readers_[in].push_back(i);
  }
}

int FusionGraph::producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? -1 : it->second;
}

int FusionGraph::readers(const std::string& value) const {
  auto it = readers_.find(value);
  auto out = output_uses_.find(value);
  return (it == readers_.end() ? 0 : static_cast<int>(it->second.size())) +
         (out == output_uses_.end() ? 0 : out->second);
}

std::vector<int> FusionGraph::reading(const std::string& value) const {
  auto it = readers_.find(value);
  if (it == readers_.end()) return {};
  std::vector<int> nodes = it->second;
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());  // a node reading it twice is listed twice in a row
  return nodes;
}

int FusionGraph::only_reader(const std::string& value) const {
  if (readers(value) != 1) return -1;
  auto it = readers_.find(value);
  return it == readers_.end() ? -1 : it->second.front();
}

std::optional<double> FusionGraph::scalar(const std::string& value) const {
  ConstTensor t;
  try {
    if (auto it = initializers_.find(value); it != initializers_.end()) {
      t = decode_tensor(*it->second, value);
    } else if (int p = producer(value); p >= 0 && node(p).op_type() == "Constant") {
      const OnnxAttrs a(node(p), value);
      if (a.has("value_float")) return a.f("value_float", 0.0f);
      if (!a.has("value")) return std::nullopt;
      t = a.tensor("value");
    } else {
      return std::nullopt;
    }
  } catch (const UserError&) {
    return std::nullopt;  // a malformed constant: not this pattern; the walk reports it
  }
  if (!t.is_float || t.numel() != 1 || t.floats.size() != 1) return std::nullopt;
  return t.floats[0];
}

bool FusionGraph::constant(const std::string& value) const {
  if (initializers_.count(value)) return true;
  const int p = producer(value);
  return p >= 0 && node(p).op_type() == "Constant";
}

void FusionGraph::replace(const std::vector<int>& matched, onnx::NodeProto fused) {
  PK_ASSERT(!matched.empty(), "FusionGraph::replace: nothing matched");
  const int last = *std::max_element(matched.begin(), matched.end());
  PK_ASSERT(node(last).output(0) == fused.output(0), "fused node must write the last matched node's output");
  for (int i : matched) live_[static_cast<size_t>(i)] = false;
  nodes_[static_cast<size_t>(last)] = std::move(fused);
  live_[static_cast<size_t>(last)] = true;
  index();
}

std::vector<onnx::NodeProto> FusionGraph::take_live_nodes() && {
  std::vector<onnx::NodeProto> out;
  for (int i = 0; i < size(); ++i)
    if (live(i)) out.push_back(std::move(nodes_[static_cast<size_t>(i)]));
  return out;
}

namespace {

bool is_op(const FusionGraph& g, int i, const char* op) {
  return i >= 0 && g.live(i) && g.node(i).op_type() == op && g.node(i).domain().empty() &&
         g.node(i).output_size() >= 1;
}
const std::string& out0(const FusionGraph& g, int i) { return g.node(i).output(0); }
/// Input k of node i, or "" if it has fewer.
std::string in(const FusionGraph& g, int i, int k) {
  return k < g.node(i).input_size() ? g.node(i).input(k) : std::string();
}
/// The operand of the binary node i that is not `known`, or "" if neither operand is `known`.
std::string other_operand(const FusionGraph& g, int i, const std::string& known) {
  if (g.node(i).input_size() != 2) return "";
  if (in(g, i, 0) == known) return in(g, i, 1);
  if (in(g, i, 1) == known) return in(g, i, 0);
  return "";
}
bool near(std::optional<double> v, double want, double tol) { return v && std::abs(*v - want) <= tol; }

onnx::NodeProto fused_node(const char* op, const std::string& name, const std::vector<std::string>& inputs,
                           const std::string& output) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_domain(kFusedDomain);
  n.set_name(name);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}
void set_attr(onnx::NodeProto& n, const char* name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void set_attr(onnx::NodeProto& n, const char* name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

/// The one axis a ReduceMean with keepdims=1 averages over (attribute form, opsets ≤ 17).
std::optional<int64_t> single_reduce_axis(const FusionGraph& g, int i) {
  const onnx::NodeProto& n = g.node(i);
  if (n.input_size() != 1) return std::nullopt;
  std::optional<int64_t> axis;
  for (const auto& a : n.attribute()) {
    if (a.name() == "keepdims" && a.i() != 1) return std::nullopt;
    if (a.name() == "axes") {
      if (a.ints_size() != 1) return std::nullopt;
      axis = a.ints(0);
    }
  }
  return axis;
}

/// mean = ReduceMean(x, [A]); d = x − mean; var = ReduceMean(d², [A]); y = d / Sqrt(var + eps),
/// then optionally · Scale and + B (constants): a LayerNorm over axis A.
int fuse_layer_norms(FusionGraph& g) {
  int matched = 0;
  for (int mean = 0; mean < g.size(); ++mean) {
    if (!is_op(g, mean, "ReduceMean")) continue;
    const auto axis = single_reduce_axis(g, mean);
    const std::string x = in(g, mean, 0);
    const int sub = g.only_reader(out0(g, mean));
    if (!axis || !is_op(g, sub, "Sub") || in(g, sub, 0) != x || in(g, sub, 1) != out0(g, mean)) continue;
    const std::string& d = out0(g, sub);
    // d is read by exactly Pow(d, 2) (or Mul(d, d)) and the Div.
    const std::vector<int> d_readers = g.reading(d);
    if (d_readers.size() != 2 || g.readers(d) > 3) continue;
    int square = -1, div = -1;
    for (int r : d_readers) {
      if (is_op(g, r, "Pow") && in(g, r, 0) == d && near(g.scalar(in(g, r, 1)), 2.0, 0.0)) square = r;
      if (is_op(g, r, "Mul") && in(g, r, 0) == d && in(g, r, 1) == d) square = r;
      if (is_op(g, r, "Div") && in(g, r, 0) == d && in(g, r, 1) != d) div = r;
    }
    if (square < 0 || div < 0) continue;
    const int var = g.only_reader(out0(g, square));
    if (!is_op(g, var, "ReduceMean") || single_reduce_axis(g, var) != axis) continue;
    const int add_eps = g.only_reader(out0(g, var));
    if (!is_op(g, add_eps, "Add")) continue;
    const auto eps = g.scalar(other_operand(g, add_eps, out0(g, var)));
    const int root = g.only_reader(out0(g, add_eps));
    if (!eps || *eps <= 0 || !is_op(g, root, "Sqrt") || in(g, div, 1) != out0(g, root) ||
        g.only_reader(out0(g, root)) != div)
      continue;
    std::vector<int> nodes{mean, sub, square, var, add_eps, root, div};
    std::string scale, bias;
    const int mul = g.only_reader(out0(g, div));
    if (is_op(g, mul, "Mul") && g.constant(other_operand(g, mul, out0(g, div)))) {
      scale = other_operand(g, mul, out0(g, div));
      nodes.push_back(mul);
      const int add = g.only_reader(out0(g, mul));
      if (is_op(g, add, "Add") && g.constant(other_operand(g, add, out0(g, mul)))) {
        bias = other_operand(g, add, out0(g, mul));
        nodes.push_back(add);
      }
    }
    const int last = nodes.back();
    onnx::NodeProto fused = fused_node("LayerNorm", g.node(last).name(), {x, scale, bias}, out0(g, last));
    set_attr(fused, "axis", *axis);
    set_attr(fused, "epsilon", static_cast<float>(*eps));
    g.replace(nodes, std::move(fused));
    ++matched;
  }
  return matched;
}

/// y = x · (Erf(x / √2) + 1) · 0.5, the 0.5 applied last or to x first (x / √2 may be x · (1/√2)):
/// torch's erf GELU.
int fuse_gelus(FusionGraph& g) {
  int matched = 0;
  for (int erf = 0; erf < g.size(); ++erf) {
    if (!is_op(g, erf, "Erf")) continue;
    const int scaled = g.producer(in(g, erf, 0));
    if (scaled < 0 || g.only_reader(out0(g, scaled)) != erf) continue;
    const std::string x = in(g, scaled, 0);
    const auto k = g.scalar(in(g, scaled, 1));
    const bool by_root2 = (is_op(g, scaled, "Div") && near(k, std::sqrt(2.0), 1e-5)) ||
                          (is_op(g, scaled, "Mul") && near(k, std::sqrt(0.5), 1e-5));
    const int plus_one = g.only_reader(out0(g, erf));
    if (!by_root2 || !is_op(g, plus_one, "Add") || !near(g.scalar(other_operand(g, plus_one, out0(g, erf))), 1.0, 0.0))
      continue;
    const int prod = g.only_reader(out0(g, plus_one));
    if (!is_op(g, prod, "Mul")) continue;
    const std::string factor = other_operand(g, prod, out0(g, plus_one));
    std::vector<int> nodes{scaled, erf, plus_one, prod};
    int last = prod;
    if (factor == x) {  // (x · (erf + 1)) · 0.5
      const int half = g.only_reader(out0(g, prod));
      if (!is_op(g, half, "Mul") || !near(g.scalar(other_operand(g, half, out0(g, prod))), 0.5, 0.0)) continue;
      nodes.push_back(last = half);
    } else {  // (x · 0.5) · (erf + 1)
      const int half = g.producer(factor);
      if (!is_op(g, half, "Mul") || g.only_reader(factor) != prod || !near(g.scalar(other_operand(g, half, x)), 0.5, 0.0))
        continue;
      nodes.push_back(half);
    }
    g.replace(nodes, fused_node("GELU", g.node(last).name(), {x}, out0(g, last)));
    ++matched;
  }
  return matched;
}

/// MatMul(x, W) + B, W and B constants: a Linear (on [N, F]) or a 1x1 conv (channels-last).
int fuse_matmul_bias(FusionGraph& g) {
  int matched = 0;
  for (int mm = 0; mm < g.size(); ++mm) {
    if (!is_op(g, mm, "MatMul") || g.node(mm).input_size() != 2) continue;
    const int add = g.only_reader(out0(g, mm));
    if (!is_op(g, add, "Add")) continue;
    const std::string bias = other_operand(g, add, out0(g, mm));
    if (bias.empty() || bias == out0(g, mm) || !g.constant(bias)) continue;
    g.replace({mm, add}, fused_node("MatMulAdd", g.node(mm).name(), {in(g, mm, 0), in(g, mm, 1), bias}, out0(g, add)));
    ++matched;
  }
  return matched;
}

}  // namespace

const std::vector<OnnxFusion>& onnx_fusions() {
  static const std::vector<OnnxFusion> fusions{
      {"layer-norm",
       "ReduceMean(x, [A]) → Sub → Pow 2 → ReduceMean [A] → Add eps → Sqrt → Div (→ Mul scale → Add bias) → "
       "LayerNorm over axis A",
       fuse_layer_norms},
      {"gelu", "x · (Erf(x / √2) + 1) · 0.5 → GELU", fuse_gelus},
      {"matmul-bias", "MatMul(x, W) → Add(B), B constant → MatMulAdd (Linear or 1x1 conv with bias)", fuse_matmul_bias},
  };
  return fusions;
}

std::vector<onnx::NodeProto> fused_onnx_nodes(const onnx::GraphProto& graph) {
  FusionGraph g(graph);
  for (const OnnxFusion& f : onnx_fusions()) f.apply(g);
  return std::move(g).take_live_nodes();
}

}  // namespace pk
