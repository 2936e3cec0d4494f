#include "exec/executor.h"

#include <fmt/format.h>

#include "core/error.h"
#include "graph/params.h"

namespace pk {
namespace {

std::string sizes_str(const torch::Tensor& t) {
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end());
  return fmt::format("[{}]", fmt::join(s, ","));
}

/// LayerNorm over dim 1 of x ([N,C,H,W] or [N,C]) with weight, bias [C] (LayerNormAttrs).
torch::Tensor channel_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 double eps) {
  const int64_t c = x.size(1);
  if (x.dim() == 2) return torch::layer_norm(x, {c}, weight, bias, eps);
  return torch::layer_norm(x.permute({0, 2, 3, 1}), {c}, weight, bias, eps).permute({0, 3, 1, 2}).contiguous();
}

}  // namespace

Executor::Executor(Graph graph, WeightStore weights) : graph_(std::move(graph)), weights_(std::move(weights)) {
  weights_.validate(graph_, "weights");
  const int n = graph_.size();
  last_use_.assign(n, -1);
  node_tensors_.resize(n);
  for (int i = 0; i < n; ++i) {
    for (int p : graph_.input_indices(i)) last_use_[p] = std::max(last_use_[p], i);
    for (const auto& spec : tensor_specs(graph_, i)) {
      torch::Tensor& t = weights_.get(graph_.node(i).name, spec.name);
      if (spec.trainable && !t.requires_grad()) t.set_requires_grad(true);
      node_tensors_[i].push_back(&t);
    }
  }
  for (const auto& out : graph_.outputs()) last_use_[graph_.index_of(out)] = n;  // never freed
}

std::vector<torch::Tensor> Executor::parameters() {
  std::vector<torch::Tensor> params;
  for (int i = 0; i < graph_.size(); ++i) {
    const auto specs = tensor_specs(graph_, i);
    for (size_t k = 0; k < specs.size(); ++k)
      if (specs[k].trainable) params.push_back(*node_tensors_[i][k]);
  }
  return params;
}

void Executor::set_channel_mask(const std::string& name, const torch::Tensor& mask) {
  const int i = graph_.index_of(name);
  PK_CHECK(i >= 0, "channel mask for unknown node '{}'", name);
  const Shape& s = graph_.node(i).shape;
  PK_CHECK(mask.dim() == 1 && mask.size(0) == s.channels(), "channel mask for '{}' has shape {}, expected [{}]", name,
           sizes_str(mask), s.channels());
  auto m = mask.to(torch::kFloat32).detach();
  masks_[i] = s.rank() == 3 ? m.view({1, -1, 1, 1}) : m.view({1, -1});
}

torch::Tensor Executor::run_node(int index, const std::vector<torch::Tensor>& values) {
  const Node& n = graph_.node(index);
  const auto& in = graph_.input_indices(index);
  const auto& w = node_tensors_[index];
  auto x = [&](size_t k) -> const torch::Tensor& { return values[in[k]]; };
  switch (n.op) {
    case OpKind::kInput:
      PK_ASSERT(false, "input node '{}' is not executed", n.name);
    case OpKind::kConv2d: {
      const auto& a = n.attr<ConvAttrs>();
      torch::Tensor bias = a.bias ? *w[1] : torch::Tensor();
      return torch::conv2d(x(0), *w[0], bias, {a.stride.h, a.stride.w}, {a.padding.h, a.padding.w},
                           {a.dilation.h, a.dilation.w}, a.groups);
    }
    case OpKind::kBatchNorm2d: {
      const auto& a = n.attr<BatchNormAttrs>();
      const double momentum = bn_momentum_override_ >= 0 ? bn_momentum_override_ : a.momentum;
      return torch::batch_norm(x(0), *w[0], *w[1], *w[2], *w[3], training_, momentum, a.eps,
                               /*cudnn_enabled=*/false);
    }
    case OpKind::kLayerNorm:
      return channel_layer_norm(x(0), *w[0], *w[1], n.attr<LayerNormAttrs>().eps);
    case OpKind::kReLU:
      return torch::relu(x(0));
    case OpKind::kReLU6:
      return torch::hardtanh(x(0), 0.0, 6.0);
    case OpKind::kLeakyReLU:
      return torch::leaky_relu(x(0), n.attr<LeakyReluAttrs>().slope);
    case OpKind::kSiLU:
      return torch::silu(x(0));
    case OpKind::kHardSigmoid:
      return torch::hardsigmoid(x(0));
    case OpKind::kHardSwish:
      return torch::hardswish(x(0));
    case OpKind::kGELU:
      return torch::gelu(x(0));
    case OpKind::kSoftmax:
      return torch::softmax(x(0), 1);
    case OpKind::kLogSoftmax:
      return torch::log_softmax(x(0), 1);
    case OpKind::kSigmoid:
      return torch::sigmoid(x(0));
    case OpKind::kAdd:
      return x(0) + x(1);
    case OpKind::kMul:
      return x(0) * x(1);
    case OpKind::kConcat: {
      std::vector<torch::Tensor> parts;
      for (size_t k = 0; k < in.size(); ++k) parts.push_back(x(k));
      return torch::cat(parts, 1);
    }
    case OpKind::kMaxPool2d: {
      const auto& a = n.attr<PoolAttrs>();
      return torch::max_pool2d(x(0), {a.kernel.h, a.kernel.w}, {a.stride.h, a.stride.w},
                               {a.padding.h, a.padding.w}, {1, 1}, a.ceil_mode);
    }
    case OpKind::kAvgPool2d: {
      const auto& a = n.attr<PoolAttrs>();
      return torch::avg_pool2d(x(0), {a.kernel.h, a.kernel.w}, {a.stride.h, a.stride.w},
                               {a.padding.h, a.padding.w}, a.ceil_mode, a.count_include_pad);
    }
    case OpKind::kGlobalAvgPool:
      return torch::adaptive_avg_pool2d(x(0), {1, 1});
    case OpKind::kPad: {
      const auto& a = n.attr<PadAttrs>();
      return torch::constant_pad_nd(x(0), {a.left, a.right, a.top, a.bottom}, a.value);
    }
    case OpKind::kUpsample: {
      const int s = n.attr<UpsampleAttrs>().scale;
      return torch::upsample_nearest2d(x(0), {x(0).size(2) * s, x(0).size(3) * s});
    }
    case OpKind::kFlatten:
      return x(0).flatten(1);
    case OpKind::kLinear: {
      const auto& a = n.attr<LinearAttrs>();
      torch::Tensor bias = a.bias ? *w[1] : torch::Tensor();
      return torch::linear(x(0), *w[0], bias);
    }
    case OpKind::kChannelPermute: {
      const auto& order = n.attr<ChannelPermuteAttrs>().order;
      auto idx = torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kLong);
      return x(0).index_select(1, idx);
    }
    case OpKind::kChannelSlice: {
      const auto& a = n.attr<ChannelSliceAttrs>();
      return x(0).narrow(1, a.start, a.end - a.start);
    }
    case OpKind::kIdentity:
      return x(0);
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "executor: invalid op {}", static_cast<int>(n.op));
}

void Executor::run(const std::vector<torch::Tensor>& inputs, std::vector<torch::Tensor>& values,
                   const std::vector<bool>& keep) {
  const int n = graph_.size();
  values.assign(n, torch::Tensor());
  size_t next_input = 0;
  for (int i = 0; i < n; ++i) {
    const Node& node = graph_.node(i);
    if (node.op == OpKind::kInput) {
      PK_CHECK(next_input < inputs.size(), "graph has more inputs than the {} given", inputs.size());
      const torch::Tensor& t = inputs[next_input++];
      std::vector<int64_t> expected{-1};
      expected.insert(expected.end(), node.shape.dims.begin(), node.shape.dims.end());
      bool ok = t.dim() == static_cast<int64_t>(expected.size()) && t.size(0) >= 1;
      for (size_t d = 1; ok && d < expected.size(); ++d) ok = t.size(d) == expected[d];
      PK_CHECK(ok, "input '{}' expects a tensor of shape [N,{}], got {}", node.name,
               fmt::join(node.shape.dims, ","), sizes_str(t));
      PK_CHECK(t.scalar_type() == torch::kFloat32, "input '{}' must be float32", node.name);
      values[i] = t;
    } else {
      values[i] = run_node(i, values);
    }
    auto m = masks_.find(i);
    if (m != masks_.end()) values[i] = values[i] * m->second;
    for (int p : graph_.input_indices(i))
      if (last_use_[p] == i && !keep[p]) values[p] = torch::Tensor();
  }
  PK_CHECK(next_input == inputs.size(), "graph has {} inputs, {} given", next_input, inputs.size());
}

std::vector<torch::Tensor> Executor::forward_all(const std::vector<torch::Tensor>& inputs) {
  std::vector<torch::Tensor> values;
  run(inputs, values, std::vector<bool>(graph_.size(), false));
  std::vector<torch::Tensor> outs;
  for (const auto& o : graph_.outputs()) outs.push_back(values[graph_.index_of(o)]);
  return outs;
}

torch::Tensor Executor::forward(const torch::Tensor& x) { return forward_all({x}).at(0); }

std::map<std::string, torch::Tensor> Executor::forward_taps(const torch::Tensor& x,
                                                            const std::vector<std::string>& taps) {
  std::vector<bool> keep(graph_.size(), false);
  for (const auto& t : taps) {
    const int i = graph_.index_of(t);
    PK_CHECK(i >= 0, "feature tap '{}' is not a node of the graph", t);
    keep[i] = true;
  }
  std::vector<torch::Tensor> values;
  run({x}, values, keep);
  std::map<std::string, torch::Tensor> out;
  for (const auto& t : taps) out[t] = values[graph_.index_of(t)];
  out[graph_.outputs().at(0)] = values[graph_.index_of(graph_.outputs().at(0))];
  return out;
}

}  // namespace pk
