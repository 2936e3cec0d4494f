#include "graph/op_kind.h"

#include <string>

#include "core/error.h"

namespace pk {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::kInput: return "Input";
    case OpKind::kConv2d: return "Conv2d";
    case OpKind::kBatchNorm2d: return "BatchNorm2d";
    case OpKind::kLayerNorm: return "LayerNorm";
    case OpKind::kReLU: return "ReLU";
    case OpKind::kReLU6: return "ReLU6";
    case OpKind::kLeakyReLU: return "LeakyReLU";
    case OpKind::kSiLU: return "SiLU";
    case OpKind::kHardSigmoid: return "HardSigmoid";
    case OpKind::kSoftmax: return "Softmax";
    case OpKind::kLogSoftmax: return "LogSoftmax";
    case OpKind::kHardSwish: return "HardSwish";
    case OpKind::kGELU: return "GELU";
    case OpKind::kSigmoid: return "Sigmoid";
    case OpKind::kAdd: return "Add";
    case OpKind::kMul: return "Mul";
    case OpKind::kConcat: return "Concat";
    case OpKind::kMaxPool2d: return "MaxPool2d";
    case OpKind::kAvgPool2d: return "AvgPool2d";
    case OpKind::kGlobalAvgPool: return "GlobalAvgPool";
    case OpKind::kPad: return "Pad";
    case OpKind::kUpsample: return "Upsample";
    case OpKind::kFlatten: return "Flatten";
    case OpKind::kLinear: return "Linear";
    case OpKind::kChannelPermute: return "ChannelPermute";
    case OpKind::kChannelSlice: return "ChannelSlice";
    case OpKind::kIdentity: return "Identity";
    case OpKind::kCount: break;
  }
  PK_ASSERT(false, "op_name of invalid OpKind {}", static_cast<int>(op));
}

OpKind op_from_name(const std::string& name) {
  std::string known;
  for (int i = 0; i < static_cast<int>(OpKind::kCount); ++i) {
    auto op = static_cast<OpKind>(i);
    if (name == op_name(op)) return op;
    known += (i ? ", " : "") + std::string(op_name(op));
  }
  PK_CHECK(false, "unknown op '{}'; known ops: {}", name, known);
  return OpKind::kCount;
}

}  // namespace pk
