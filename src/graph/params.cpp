#include "graph/params.h"

#include "core/error.h"

namespace pk {

std::vector<TensorSpec> tensor_specs(const Graph& graph, int index) {
  const Node& n = graph.node(index);
  const auto& inputs = graph.input_indices(index);
  return tensor_specs(n, n.shape, inputs.empty() ? 0 : graph.node(inputs[0]).shape.channels());
}

std::vector<TensorSpec> tensor_specs(const Node& n, const Shape& output, int64_t in) {
  switch (n.op) {
    case OpKind::kConv2d: {
      const auto& a = n.attr<ConvAttrs>();
      std::vector<TensorSpec> specs{{"weight", {a.out_channels, in / a.groups, a.kernel.h, a.kernel.w}, true}};
      if (a.bias) specs.push_back({"bias", {a.out_channels}, true});
      return specs;
    }
    case OpKind::kBatchNorm2d: {
      const int64_t c = output.channels();
      return {{"weight", {c}, true}, {"bias", {c}, true}, {"running_mean", {c}, false}, {"running_var", {c}, false}};
    }
    case OpKind::kLayerNorm: {
      const int64_t c = output.channels();
      return {{"weight", {c}, true}, {"bias", {c}, true}};
    }
    case OpKind::kLinear: {
      const auto& a = n.attr<LinearAttrs>();
      std::vector<TensorSpec> specs{{"weight", {a.out_features, in}, true}};
      if (a.bias) specs.push_back({"bias", {a.out_features}, true});
      return specs;
    }
    case OpKind::kInput:
    case OpKind::kReLU:
    case OpKind::kReLU6:
    case OpKind::kLeakyReLU:
    case OpKind::kSiLU:
    case OpKind::kHardSigmoid:
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kHardSwish:
    case OpKind::kGELU:
    case OpKind::kSigmoid:
    case OpKind::kAdd:
    case OpKind::kMul:
    case OpKind::kConcat:
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
    case OpKind::kGlobalAvgPool:
    case OpKind::kPad:
    case OpKind::kUpsample:
    case OpKind::kFlatten:
    case OpKind::kChannelPermute:
    case OpKind::kChannelSlice:
    case OpKind::kIdentity:
      return {};
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "tensor_specs: invalid op {}", static_cast<int>(n.op));
}

}  // namespace pk
