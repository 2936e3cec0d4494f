#include "io/import_rewrites.h"

namespace pk {
namespace {

/// Mul(x, Sigmoid(x)) → SiLU(x) and Mul(x, HardSigmoid(x)) → HardSwish(x), either operand order
/// (torch exports nn.SiLU and, at opset 13, nn.Hardswish this way).
int fuse_gated_activations(PendingNodes& pending) {
  int matched = 0;
  for (Node& n : pending.nodes) {
    if (n.op != OpKind::kMul || n.inputs.size() != 2) continue;
    for (int gate_at = 0; gate_at < 2; ++gate_at) {
      const std::string& x = n.inputs[static_cast<size_t>(1 - gate_at)];
      const Node& gate = pending.producer(n.inputs[static_cast<size_t>(gate_at)]);
      if (gate.inputs.size() != 1 || gate.inputs[0] != x) continue;
      if (gate.op != OpKind::kSigmoid && gate.op != OpKind::kHardSigmoid) continue;
      n.op = gate.op == OpKind::kSigmoid ? OpKind::kSiLU : OpKind::kHardSwish;
      n.inputs = {x};
      ++matched;
      break;
    }
  }
  return matched;
}

}  // namespace

const std::vector<ImportRewrite>& import_rewrites() {
  static const std::vector<ImportRewrite> rewrites{
      {"gated-activation", "Mul(x, Sigmoid(x)) → SiLU(x); Mul(x, HardSigmoid(x)) → HardSwish(x)",
       fuse_gated_activations},
  };
  return rewrites;
}

}  // namespace pk
