#include "io/import_rewrites.h"

#include <algorithm>

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

/// Whether a zero Pad's symmetric part can move into `consumer`'s own padding: a Conv2d pads with
/// zeros; an AvgPool2d does when it counts its padding (or has none, and then starts counting).
/// Not with ceil_mode, whose last-window rule depends on where the padding is.
bool absorbs_zero_padding(const Node& consumer) {
  if (consumer.op == OpKind::kConv2d) return true;
  if (consumer.op != OpKind::kAvgPool2d) return false;
  const PoolAttrs& p = std::get<PoolAttrs>(consumer.attrs);
  return !p.ceil_mode && (p.count_include_pad || p.padding == (Hw{0, 0}));
}

/// Pad(zeros) → Conv2d / AvgPool2d: the part of the padding both sides of an axis share moves into
/// the padding of every consumer (all must absorb it; the Pad must not be a graph output); what
/// is left (the asymmetric rest) stays a Pad, and a Pad left with nothing is bypassed.
int fold_zero_pads(PendingNodes& pending) {
  std::unordered_map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < pending.nodes.size(); ++i)
    for (const std::string& in : pending.nodes[i].inputs) consumers[in].push_back(i);
  int matched = 0;
  for (Node& pad : pending.nodes) {
    if (pad.op != OpKind::kPad) continue;
    PadAttrs& a = std::get<PadAttrs>(pad.attrs);
    const Hw both{std::min(a.top, a.bottom), std::min(a.left, a.right)};
    const std::vector<size_t>& readers = consumers[pad.name];
    const bool output = std::count(pending.outputs.begin(), pending.outputs.end(), pad.name) > 0;
    if (a.value != 0.0 || both == (Hw{0, 0}) || output || readers.empty()) continue;
    const auto absorbs = [&](size_t i) { return absorbs_zero_padding(pending.nodes[i]); };
    if (!std::all_of(readers.begin(), readers.end(), absorbs)) continue;
    a.top -= both.h, a.bottom -= both.h, a.left -= both.w, a.right -= both.w;
    const bool empty = a.top == 0 && a.bottom == 0 && a.left == 0 && a.right == 0;
    for (size_t i : readers) {
      Node& c = pending.nodes[i];
      Hw& padding = c.op == OpKind::kConv2d ? std::get<ConvAttrs>(c.attrs).padding : std::get<PoolAttrs>(c.attrs).padding;
      padding = {padding.h + both.h, padding.w + both.w};
      if (c.op == OpKind::kAvgPool2d) std::get<PoolAttrs>(c.attrs).count_include_pad = true;
      if (empty) std::replace(c.inputs.begin(), c.inputs.end(), pad.name, pad.inputs[0]);
    }
    ++matched;
  }
  return matched;
}

}  // namespace

const std::vector<ImportRewrite>& import_rewrites() {
  static const std::vector<ImportRewrite> rewrites{
      {"gated-activation", "Mul(x, Sigmoid(x)) → SiLU(x); Mul(x, HardSigmoid(x)) → HardSwish(x)",
       fuse_gated_activations},
      {"zero-pad-folding",
       "Pad(zeros) → Conv / AveragePool: the padding both sides share moves into the consumers' own; an asymmetric "
       "rest stays a Pad",
       fold_zero_pads},
  };
  return rewrites;
}

}  // namespace pk
