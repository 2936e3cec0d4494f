#include "graph/text_format.h"

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/strings.h"
#include "graph/builder.h"

namespace pk {
namespace {

std::string hw(const Hw& v) { return fmt::format("{}x{}", v.h, v.w); }
const char* boolean(bool b) { return b ? "true" : "false"; }

std::string attrs_to_text(const Node& n) {
  return std::visit(
      [&](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "";
        } else if constexpr (std::is_same_v<T, InputAttrs>) {
          return " shape=" + a.shape.str();
        } else if constexpr (std::is_same_v<T, ConvAttrs>) {
          return fmt::format(" out={} kernel={} stride={} padding={} dilation={} groups={} bias={}", a.out_channels,
                             hw(a.kernel), hw(a.stride), hw(a.padding), hw(a.dilation), a.groups, boolean(a.bias));
        } else if constexpr (std::is_same_v<T, BatchNormAttrs>) {
          return fmt::format(" eps={} momentum={}", a.eps, a.momentum);
        } else if constexpr (std::is_same_v<T, LayerNormAttrs>) {
          return fmt::format(" eps={}", a.eps);
        } else if constexpr (std::is_same_v<T, LeakyReluAttrs>) {
          return fmt::format(" slope={}", a.slope);
        } else if constexpr (std::is_same_v<T, PoolAttrs>) {
          std::string s = fmt::format(" kernel={} stride={} padding={} ceil_mode={}", hw(a.kernel), hw(a.stride),
                                      hw(a.padding), boolean(a.ceil_mode));
          if (n.op == OpKind::kAvgPool2d) s += fmt::format(" count_include_pad={}", boolean(a.count_include_pad));
          return s;
        } else if constexpr (std::is_same_v<T, UpsampleAttrs>) {
          return fmt::format(" scale={}", a.scale);
        } else if constexpr (std::is_same_v<T, PadAttrs>) {
          return fmt::format(" top={} left={} bottom={} right={} value={}", a.top, a.left, a.bottom, a.right, a.value);
        } else if constexpr (std::is_same_v<T, LinearAttrs>) {
          return fmt::format(" out={} bias={}", a.out_features, boolean(a.bias));
        } else if constexpr (std::is_same_v<T, ChannelSliceAttrs>) {
          return fmt::format(" start={} end={}", a.start, a.end);
        } else {
          static_assert(std::is_same_v<T, ChannelPermuteAttrs>);
          return fmt::format(" order={}", fmt::join(a.order, ","));
        }
      },
      n.attrs);
}

/// key=value attributes of one line; each lookup consumes its key so leftovers can be reported.
class AttrReader {
 public:
  AttrReader(std::map<std::string, std::string> kv, std::string where) : kv_(std::move(kv)), where_(std::move(where)) {}

  std::string take(const std::string& key, const std::string& fallback) {
    auto it = kv_.find(key);
    if (it == kv_.end()) return fallback;
    std::string v = it->second;
    kv_.erase(it);
    return v;
  }
  int integer(const std::string& key, int fallback) {
    return static_cast<int>(parse_int(take(key, std::to_string(fallback)), where_ + " attribute " + key));
  }
  double number(const std::string& key, double fallback) {
    return parse_double(take(key, fmt::format("{}", fallback)), where_ + " attribute " + key);
  }
  bool boolean(const std::string& key, bool fallback) {
    std::string v = take(key, fallback ? "true" : "false");
    PK_CHECK(v == "true" || v == "false", "{}: attribute {}={} must be true or false", where_, key, v);
    return v == "true";
  }
  Hw pair(const std::string& key, Hw fallback) {
    auto parts = split(take(key, hw(fallback)), 'x');
    PK_CHECK(parts.size() == 2, "{}: attribute {} must look like 3x3", where_, key);
    return {static_cast<int>(parse_int(parts[0], where_ + " " + key)),
            static_cast<int>(parse_int(parts[1], where_ + " " + key))};
  }
  void expect_consumed() {
    PK_CHECK(kv_.empty(), "{}: unknown attribute '{}'", where_, kv_.begin()->first);
  }

 private:
  std::map<std::string, std::string> kv_;
  std::string where_;
};

Attrs attrs_from_text(OpKind op, AttrReader& r, const std::string& where) {
  switch (op) {
    case OpKind::kInput: {
      std::string s = r.take("shape", "");
      PK_CHECK(!s.empty(), "{}: Input needs shape=CxHxW", where);
      return InputAttrs{parse_shape(s, where + " shape")};
    }
    case OpKind::kConv2d: {
      ConvAttrs a;
      a.out_channels = r.integer("out", 0);
      a.kernel = r.pair("kernel", a.kernel);
      a.stride = r.pair("stride", a.stride);
      a.padding = r.pair("padding", a.padding);
      a.dilation = r.pair("dilation", a.dilation);
      a.groups = r.integer("groups", 1);
      a.bias = r.boolean("bias", false);
      return a;
    }
    case OpKind::kBatchNorm2d: {
      BatchNormAttrs a;
      a.eps = r.number("eps", a.eps);
      a.momentum = r.number("momentum", a.momentum);
      return a;
    }
    case OpKind::kLayerNorm:
      return LayerNormAttrs{r.number("eps", LayerNormAttrs{}.eps)};
    case OpKind::kLeakyReLU:
      return LeakyReluAttrs{r.number("slope", 0.01)};
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d: {
      PoolAttrs a;
      a.kernel = r.pair("kernel", a.kernel);
      a.stride = r.pair("stride", a.kernel);
      a.padding = r.pair("padding", a.padding);
      a.ceil_mode = r.boolean("ceil_mode", false);
      if (op == OpKind::kAvgPool2d) a.count_include_pad = r.boolean("count_include_pad", true);
      return a;
    }
    case OpKind::kUpsample:
      return UpsampleAttrs{r.integer("scale", 2)};
    case OpKind::kPad: {
      PadAttrs a;
      a.top = r.integer("top", 0);
      a.left = r.integer("left", 0);
      a.bottom = r.integer("bottom", 0);
      a.right = r.integer("right", 0);
      a.value = r.number("value", 0.0);
      return a;
    }
    case OpKind::kLinear: {
      LinearAttrs a;
      a.out_features = r.integer("out", 0);
      a.bias = r.boolean("bias", true);
      return a;
    }
    case OpKind::kChannelSlice: {
      ChannelSliceAttrs a;
      a.start = r.integer("start", 0);
      a.end = r.integer("end", 0);
      return a;
    }
    case OpKind::kChannelPermute: {
      ChannelPermuteAttrs a;
      for (const auto& v : split(r.take("order", ""), ','))
        a.order.push_back(static_cast<int>(parse_int(v, where + " order")));
      return a;
    }
    case OpKind::kReLU:
    case OpKind::kReLU6:
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
    case OpKind::kGlobalAvgPool:
    case OpKind::kFlatten:
    case OpKind::kIdentity:
      return std::monostate{};
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "attrs_from_text: invalid op");
}

}  // namespace

std::string graph_to_text(const Graph& graph) {
  std::string out = "# prunekit graph v1\n";
  for (const Node& n : graph.nodes()) {
    std::string line = fmt::format("{} = {}({}){}", n.name, op_name(n.op), join(n.inputs, ", "), attrs_to_text(n));
    out += fmt::format("{:<60}  # {}\n", line, n.shape.str());
  }
  out += "output " + join(graph.outputs(), ", ") + "\n";
  return out;
}

Graph graph_from_text(const std::string& text, const std::string& source) {
  GraphBuilder b;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  bool has_output = false;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string where = fmt::format("{}:{}", source, line_no);
    std::string line = trim(raw.substr(0, raw.find('#')));
    if (line.empty()) continue;
    if (line.rfind("output ", 0) == 0 && line.find('=') == std::string::npos) {
      for (const auto& name : split(line.substr(7), ',')) b.output(trim(name));
      has_output = true;
      continue;
    }
    const auto eq = line.find('=');
    const auto open = line.find('(', eq == std::string::npos ? 0 : eq);
    const auto close = line.find(')', open == std::string::npos ? 0 : open);
    PK_CHECK(eq != std::string::npos && open != std::string::npos && close != std::string::npos,
             "{}: expected 'name = Op(inputs) key=value ...' or 'output name', got '{}'", where, line);
    Node node;
    node.name = trim(line.substr(0, eq));
    try {
      node.op = op_from_name(trim(line.substr(eq + 1, open - eq - 1)));
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: {}", where, e.what()));
    }
    for (const auto& in_name : split(line.substr(open + 1, close - open - 1), ',')) {
      std::string t = trim(in_name);
      if (!t.empty()) node.inputs.push_back(t);
    }
    std::map<std::string, std::string> kv;
    std::istringstream rest(line.substr(close + 1));
    std::string token;
    while (rest >> token) {
      auto p = token.find('=');
      PK_CHECK(p != std::string::npos && p > 0, "{}: expected key=value, got '{}'", where, token);
      kv[token.substr(0, p)] = token.substr(p + 1);
    }
    AttrReader reader(std::move(kv), where);
    node.attrs = attrs_from_text(node.op, reader, where);
    reader.expect_consumed();
    try {
      b.add(std::move(node));
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: {}", where, e.what()));
    }
  }
  PK_CHECK(has_output, "{}: no 'output' line", source);
  return b.build();
}

}  // namespace pk
