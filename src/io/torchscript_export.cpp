#include "io/torchscript_export.h"

#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/params.h"
#include "graph/text_format.h"

namespace pk {
namespace {

/// Python identifiers the generated code must not shadow (keywords, names it uses).
const std::set<std::string>& reserved() {
  static const std::set<std::string> r{
      "False", "None",   "True",  "and",    "as",   "assert", "async",    "await",  "break", "class",
      "continue", "def", "del",   "elif",   "else", "except", "finally",  "for",    "from",  "global",
      "if",    "import", "in",    "is",     "lambda", "nonlocal", "not",  "or",     "pass",  "raise",
      "return", "try",   "while", "with",   "yield", "self",  "torch",    "Tensor", "Tuple", "List",
      "Optional", "int", "float", "bool",   "str",  "print",  "range",    "len",    "super", "annotations"};
  return r;
}

std::string identifier(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  if (out.rfind("__", 0) == 0) out = "v" + out;  // dunder names are special in TorchScript classes
  if (reserved().count(out)) out += "_";
  return out;
}

/// Unique identifiers for attributes (weights) and locals (node outputs).
struct ScriptNames {
  std::map<std::pair<std::string, std::string>, std::string> attr;  // (node, tensor) → attribute
  std::vector<std::string> local;                                     // node index → variable

  explicit ScriptNames(const Graph& g) {
    std::set<std::string> used;
    auto take = [&](const std::string& base) {
      std::string name = base;
      for (int k = 2; used.count(name); ++k) name = fmt::format("{}_{}", base, k);
      used.insert(name);
      return name;
    };
    for (int i = 0; i < g.size(); ++i) {
      const Node& n = g.node(i);
      for (const auto& spec : tensor_specs(g, i)) attr[{n.name, spec.name}] = take(identifier(n.name + "." + spec.name));
      if (n.op == OpKind::kChannelPermute) attr[{n.name, "order"}] = take(identifier(n.name + ".order"));
    }
    for (const auto& n : g.nodes()) local.push_back(take(identifier(n.name)));
  }
};

/// A double literal TorchScript reads as float ("6.0", "1e-05", "0.1").
std::string float_lit(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string pair_lit(const Hw& v) { return fmt::format("[{}, {}]", v.h, v.w); }

std::string node_expr(const Graph& g, int i, const ScriptNames& names) {
  const Node& n = g.node(i);
  std::vector<std::string> in;
  for (int p : g.input_indices(i)) in.push_back(names.local[p]);
  auto self = [&](const std::string& tensor) { return "self." + names.attr.at({n.name, tensor}); };
  switch (n.op) {
    case OpKind::kInput:
      break;
    case OpKind::kConv2d: {
      const auto& a = n.attr<ConvAttrs>();
      return fmt::format("torch.conv2d({}, {}, {}, {}, {}, {}, {})", in[0], self("weight"),
                         a.bias ? self("bias") : "None", pair_lit(a.stride), pair_lit(a.padding), pair_lit(a.dilation),
                         a.groups);
    }
    case OpKind::kBatchNorm2d: {
      const auto& a = n.attr<BatchNormAttrs>();
      return fmt::format("torch.batch_norm({}, {}, {}, {}, {}, False, {}, {}, False)", in[0], self("weight"),
                         self("bias"), self("running_mean"), self("running_var"), float_lit(a.momentum),
                         float_lit(a.eps));
    }
    case OpKind::kLayerNorm: {  // over dim 1: channels-last for a feature map, as torch's LayerNorm needs
      const int64_t c = n.shape.channels();
      const std::string eps = float_lit(n.attr<LayerNormAttrs>().eps);
      if (n.shape.rank() == 1)
        return fmt::format("torch.layer_norm({}, [{}], {}, {}, {})", in[0], c, self("weight"), self("bias"), eps);
      return fmt::format("torch.layer_norm({}.permute([0, 2, 3, 1]), [{}], {}, {}, {}).permute([0, 3, 1, 2])", in[0], c,
                         self("weight"), self("bias"), eps);
    }
    case OpKind::kGELU:  // the erf form written out: torch.nn.functional.gelu is not a TorchScript builtin here
      return fmt::format("{0} * 0.5 * (1.0 + torch.erf({0} * 0.70710678118654752))", in[0]);
    case OpKind::kReLU:
      return fmt::format("torch.relu({})", in[0]);
    case OpKind::kReLU6:
      return fmt::format("torch.clamp({}, 0.0, 6.0)", in[0]);
    case OpKind::kLeakyReLU:
      return fmt::format("torch.leaky_relu({}, {})", in[0], float_lit(n.attr<LeakyReluAttrs>().slope));
    case OpKind::kSiLU:
      return fmt::format("torch.silu({})", in[0]);
    case OpKind::kHardSigmoid:
      return fmt::format("torch.nn.functional.hardsigmoid({})", in[0]);
    case OpKind::kHardSwish:
      return fmt::format("torch.nn.functional.hardswish({})", in[0]);
    case OpKind::kSoftmax:
      return fmt::format("torch.softmax({}, 1)", in[0]);
    case OpKind::kLogSoftmax:
      return fmt::format("torch.log_softmax({}, 1)", in[0]);
    case OpKind::kSigmoid:
      return fmt::format("torch.sigmoid({})", in[0]);
    case OpKind::kAdd:
      return fmt::format("{} + {}", in[0], in[1]);
    case OpKind::kMul:
      return fmt::format("{} * {}", in[0], in[1]);
    case OpKind::kConcat:
      return fmt::format("torch.cat([{}], 1)", fmt::join(in, ", "));
    case OpKind::kMaxPool2d: {
      const auto& a = n.attr<PoolAttrs>();
      return fmt::format("torch.max_pool2d({}, {}, {}, {}, [1, 1], {})", in[0], pair_lit(a.kernel), pair_lit(a.stride),
                         pair_lit(a.padding), a.ceil_mode ? "True" : "False");
    }
    case OpKind::kAvgPool2d: {
      const auto& a = n.attr<PoolAttrs>();
      return fmt::format("torch.avg_pool2d({}, {}, {}, {}, {}, {})", in[0], pair_lit(a.kernel), pair_lit(a.stride),
                         pair_lit(a.padding), a.ceil_mode ? "True" : "False", a.count_include_pad ? "True" : "False");
    }
    case OpKind::kGlobalAvgPool:
      return fmt::format("torch.adaptive_avg_pool2d({}, [1, 1])", in[0]);
    case OpKind::kPad: {
      const auto& a = n.attr<PadAttrs>();
      const std::string value = std::isinf(a.value) ? "float('-inf')" : fmt::format("{:.1f}", a.value);
      return fmt::format("torch.constant_pad_nd({}, [{}, {}, {}, {}], {})", in[0], a.left, a.right, a.top, a.bottom,
                         value);
    }
    case OpKind::kUpsample:
      return fmt::format("torch.upsample_nearest2d({}, [{}, {}])", in[0], n.shape.height(), n.shape.width());
    case OpKind::kFlatten:
      return fmt::format("torch.flatten({}, 1)", in[0]);
    case OpKind::kLinear:
      return fmt::format("torch.linear({}, {}, {})", in[0], self("weight"),
                         n.attr<LinearAttrs>().bias ? self("bias") : "None");
    case OpKind::kChannelPermute:
      return fmt::format("torch.index_select({}, 1, {})", in[0], self("order"));
    case OpKind::kChannelSlice: {
      const auto& a = n.attr<ChannelSliceAttrs>();
      return fmt::format("torch.narrow({}, 1, {}, {})", in[0], a.start, a.end - a.start);
    }
    case OpKind::kIdentity:
      return in[0];
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "TorchScript export: invalid op {}", static_cast<int>(n.op));
}

std::string forward_source(const Graph& g, const ScriptNames& names) {
  std::vector<std::string> args{"self"};
  for (int i = 0; i < g.size(); ++i)
    if (g.node(i).op == OpKind::kInput) args.push_back(names.local[i] + ": Tensor");
  std::vector<std::string> outs;
  for (const auto& o : g.outputs()) outs.push_back(names.local[g.index_of(o)]);
  const std::string ret = outs.size() == 1 ? "Tensor" : fmt::format("Tuple[{}]", fmt::join(std::vector<std::string>(outs.size(), "Tensor"), ", "));
  std::ostringstream src;
  src << fmt::format("def forward({}) -> {}:\n", fmt::join(args, ", "), ret);
  for (int i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    if (n.op == OpKind::kInput) continue;
    src << fmt::format("    {} = {}  # {} {}\n", names.local[i], node_expr(g, i, names), op_name(n.op), n.shape.str());
  }
  src << fmt::format("    return {}\n", outs.size() == 1 ? outs[0] : fmt::format("({},)", fmt::join(outs, ", ")));
  return src.str();
}

}  // namespace

std::string torchscript_forward_source(const Graph& graph) { return forward_source(graph, ScriptNames(graph)); }

torch::jit::Module to_torchscript(const Graph& graph, const WeightStore& weights) {
  weights.validate(graph, "TorchScript export");
  torch::NoGradGuard no_grad;
  const ScriptNames names(graph);
  torch::jit::Module module("__torch__.prunekit.Network");
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    for (const auto& spec : tensor_specs(graph, i)) {
      torch::Tensor t = weights.get(n.name, spec.name).detach().clone().contiguous();
      const std::string& attr = names.attr.at({n.name, spec.name});
      if (spec.trainable)
        module.register_parameter(attr, t, /*is_buffer=*/false);
      else
        module.register_buffer(attr, t);
    }
    if (n.op == OpKind::kChannelPermute) {
      const auto& order = n.attr<ChannelPermuteAttrs>().order;
      module.register_buffer(names.attr.at({n.name, "order"}),
                             torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kLong));
    }
  }
  try {
    module.define(forward_source(graph, names));
  } catch (const c10::Error& e) {
    PK_ASSERT(false, "TorchScript export: generated forward does not compile: {}", e.what_without_backtrace());
  }
  module.eval();
  return module;
}

void export_torchscript(const std::string& path, const Graph& graph, const WeightStore& weights,
                        const nlohmann::json& metadata) {
  torch::jit::Module module = to_torchscript(graph, weights);
  const torch::jit::ExtraFilesMap extra{
      {"prunekit/graph.txt", graph_to_text(graph)},
      {"prunekit/metadata.json", metadata.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)}};
  // Serialized in memory first: libtorch's zip writer throws from its destructor (std::terminate)
  // when the file stream fails, e.g. on a full disk; the write below reports that as a UserError.
  std::ostringstream bytes;
  module.save(bytes, extra);
  write_file_atomically(path, [&](std::ostream& out) { out << bytes.str(); });
}

}  // namespace pk
