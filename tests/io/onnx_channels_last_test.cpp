// ONNX import of ConvNeXt's patterns on small models built in C++: the channels-last round trip
// (Transpose to [N, H, W, C] and back) folded away, LayerNorm written out by torch (ReduceMean,
// Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add) or as opset 17's LayerNormalization, GELU
// written out (Div, Erf, Add, Mul, Mul), and Linear on [N, H, W, C] (MatMul + Add) as a 1x1 conv;
// and the refusals around them. Torch-free (this file also runs in the AddressSanitizer build).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "io/onnx_import.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using iotest::float_attr;
using iotest::int_attr;
using iotest::ints;
using iotest::OnnxMaker;
using iotest::tensor;

std::vector<OpKind> ops(const Graph& g) {
  std::vector<OpKind> out;
  for (const Node& n : g.nodes()) out.push_back(n.op);
  return out;
}

void scalar(OnnxMaker& m, const std::string& name, float v) {
  m.node("Constant", name, {}, {name}, [&](auto* n) {
    auto* a = n->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(v);
  });
}

/// torch's LayerNorm written out over `axis` of `x` (scope "/<name>/"), then · scale + bias if given.
void decomposed_layer_norm(OnnxMaker& m, const std::string& name, const std::string& x, int64_t axis, float eps,
                           const std::string& scale, const std::string& bias, const std::string& out) {
  const std::string s = "/" + name + "/";
  const auto reduce = [&](const std::string& op, const std::string& in, const std::string& o) {
    m.node("ReduceMean", s + op, {in}, {o}, [&](auto* n) { ints(n, "axes", {axis}); });
  };
  reduce("ReduceMean", x, s + "mean");
  m.node("Sub", s + "Sub", {x, s + "mean"}, {s + "d"});
  scalar(m, s + "two", 2.0f);
  m.node("Pow", s + "Pow", {s + "d", s + "two"}, {s + "sq"});
  reduce("ReduceMean_1", s + "sq", s + "var");
  scalar(m, s + "eps", eps);
  m.node("Add", s + "Add", {s + "var", s + "eps"}, {s + "ve"});
  m.node("Sqrt", s + "Sqrt", {s + "ve"}, {s + "sd"});
  const std::string normed = scale.empty() ? out : s + "normed";
  m.node("Div", s + "Div", {s + "d", s + "sd"}, {normed});
  if (scale.empty()) return;
  m.node("Mul", s + "Mul", {scale, normed}, {s + "scaled"});  // constant first, as weight[:, None, None] * x
  m.node("Add", s + "Add_1", {s + "scaled", bias}, {out});
}

/// torch's erf GELU written out at opset 13 (scope "/<name>/").
void decomposed_gelu(OnnxMaker& m, const std::string& name, const std::string& x, const std::string& out,
                     float root2 = 1.4142135f) {
  const std::string s = "/" + name + "/";
  scalar(m, s + "root2", root2);
  scalar(m, s + "one", 1.0f);
  scalar(m, s + "half", 0.5f);
  m.node("Div", s + "Div", {x, s + "root2"}, {s + "scaled"});
  m.node("Erf", s + "Erf", {s + "scaled"}, {s + "erf"});
  m.node("Add", s + "Add", {s + "erf", s + "one"}, {s + "plus"});
  m.node("Mul", s + "Mul", {x, s + "plus"}, {s + "prod"});
  m.node("Mul", s + "Mul_1", {s + "prod", s + "half"}, {out});
}

void to_channels_last(OnnxMaker& m, const std::string& name, const std::string& x, const std::string& out) {
  m.node("Transpose", name, {x}, {out}, [](auto* n) { ints(n, "perm", {0, 2, 3, 1}); });
}
void to_channels_first(OnnxMaker& m, const std::string& name, const std::string& x, const std::string& out) {
  m.node("Transpose", name, {x}, {out}, [](auto* n) { ints(n, "perm", {0, 3, 1, 2}); });
}

// A ConvNeXt block as torchvision exports it: permute, LayerNorm, Linear, GELU, Linear, layer
// scale (channels-last), permute back, residual.
TEST(OnnxChannelsLast, ConvNextBlockBecomesLayerNormOneByOneConvsAndGelu) {
  OnnxMaker m({4, 3, 3});
  m.init("norm.weight", {4}, {1, 2, 3, 4});
  m.init("norm.bias", {4}, {0.1f, 0.2f, 0.3f, 0.4f});
  m.init("fc1.w", {4, 6});  // MatMul B: [in, out]
  m.init("fc1.b", {6});
  m.init("fc2.w", {6, 4});
  m.init("fc2.b", {4});
  m.init("gamma", {4}, {0.5f, 1, 2, 4});
  to_channels_last(m, "/block.1/Transpose", "x", "t");
  decomposed_layer_norm(m, "block.2", "t", -1, 1e-6f, "norm.weight", "norm.bias", "ln");
  m.node("MatMul", "/block.3/MatMul", {"ln", "fc1.w"}, {"h0"});
  m.node("Add", "/block.3/Add", {"fc1.b", "h0"}, {"h"});  // torch puts the bias first
  decomposed_gelu(m, "block.4", "h", "a");
  m.node("MatMul", "/block.5/MatMul", {"a", "fc2.w"}, {"o0"});
  m.node("Add", "/block.5/Add", {"fc2.b", "o0"}, {"o"});
  m.node("Mul", "/Mul", {"gamma", "o"}, {"scaled"});  // [C] broadcasts over the channels when channels-last
  to_channels_first(m, "/block.6/Transpose", "scaled", "back");
  m.node("Add", "/Add", {"back", "x"}, {"y"});
  m.output("y");
  const OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(ops(g), (std::vector<OpKind>{OpKind::kInput, OpKind::kLayerNorm, OpKind::kConv2d, OpKind::kGELU,
                                         OpKind::kConv2d, OpKind::kConv2d, OpKind::kAdd}));
  EXPECT_EQ(g.node("block.2").attr<LayerNormAttrs>().eps, 1e-6);
  EXPECT_EQ(g.node("block.2").inputs, std::vector<std::string>{"x"});  // the Transpose folds away
  EXPECT_EQ(tensor(r, "block.2", "weight").values, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(tensor(r, "block.2", "bias").values, (std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}));
  const ConvAttrs& fc1 = g.node("block.3").attr<ConvAttrs>();
  EXPECT_EQ(fc1.out_channels, 6);
  EXPECT_EQ(fc1.kernel, (Hw{1, 1}));
  EXPECT_TRUE(fc1.bias);
  // weight [6, 4, 1, 1]: weight[o][i] = B[i][o], B[i][o] = 0.01·(6i + o).
  EXPECT_FLOAT_EQ(tensor(r, "block.3", "weight").values[1 * 4 + 2], 0.01f * (6 * 2 + 1));
  EXPECT_EQ(g.node("block.3").shape, (Shape{{6, 3, 3}}));
  EXPECT_EQ(g.node("block.4").op, OpKind::kGELU);
  const Node& scale = g.node("mul");
  EXPECT_EQ(scale.attr<ConvAttrs>().groups, 4);  // a per-channel affine
  EXPECT_EQ(tensor(r, "mul", "weight").values, (std::vector<float>{0.5f, 1, 2, 4}));
  EXPECT_EQ(g.node("add").inputs, (std::vector<std::string>{"mul", "x"}));
}

// ConvNeXt's reference LayerNorm for [N, C, H, W] (over dim 1, scale [C,1,1]), opset 17's
// LayerNormalization on channels-last, and a LayerNorm over the features of [N, F].
TEST(OnnxChannelsLast, LayerNormOverDimOneNativeLayerNormalizationAndVectors) {
  OnnxMaker m({3, 2, 2}, /*opset=*/17);
  m.init("w1", {3, 1, 1}, {2, 3, 4});
  m.init("b1", {3, 1, 1}, {-1, 0, 1});
  m.init("w2", {3}, {5, 6, 7});
  m.init("b2", {3}, {0, 0, 0.5f});
  decomposed_layer_norm(m, "first", "x", 1, 1e-5f, "w1", "b1", "n1");
  to_channels_last(m, "/second/Transpose", "n1", "t");
  m.node("LayerNormalization", "/second/LayerNormalization", {"t", "w2", "b2"}, {"n2"}, [](auto* n) {
    int_attr(n, "axis", -1);
    float_attr(n, "epsilon", 1e-6f);
  });
  to_channels_first(m, "/second/Transpose_1", "n2", "back");
  m.node("GlobalAveragePool", "/pool/GlobalAveragePool", {"back"}, {"p"});
  m.node("Flatten", "/flat/Flatten", {"p"}, {"f"});
  decomposed_layer_norm(m, "head_norm", "f", -1, 1e-5f, "", "", "y");  // no affine: weight 1, bias 0
  m.output("y");
  const OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(ops(g), (std::vector<OpKind>{OpKind::kInput, OpKind::kLayerNorm, OpKind::kLayerNorm,
                                         OpKind::kGlobalAvgPool, OpKind::kFlatten, OpKind::kLayerNorm}));
  EXPECT_EQ(tensor(r, "first", "weight").values, (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(tensor(r, "first", "bias").values, (std::vector<float>{-1, 0, 1}));
  EXPECT_EQ(g.node("first").attr<LayerNormAttrs>().eps, 1e-5);
  EXPECT_EQ(tensor(r, "second", "weight").values, (std::vector<float>{5, 6, 7}));
  EXPECT_EQ(g.node("second").attr<LayerNormAttrs>().eps, 1e-6);
  EXPECT_EQ(tensor(r, "head_norm", "weight").values, (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(tensor(r, "head_norm", "bias").values, (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(g.node("head_norm").shape, (Shape{{3}}));
}

std::string import_error(const OnnxMaker& m) {
  try {
    import_onnx_bytes(m.bytes(), "m.onnx");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(imported)";
}

// Each layout or normalisation prunekit cannot map is refused naming the node and the reason.
TEST(OnnxChannelsLast, RefusesWhatDoesNotFoldWithTheNodeAndTheReason) {
  {  // a transpose that is not the channels-last round trip
    OnnxMaker m({4, 3, 3});
    m.node("Transpose", "/swap", {"x"}, {"y"}, [](auto* n) { ints(n, "perm", {0, 1, 3, 2}); });
    m.output("y");
    const std::string e = import_error(m);
    EXPECT_NE(e.find("'/swap'"), std::string::npos) << e;
    EXPECT_NE(e.find("perm [0,1,3,2] is not supported"), std::string::npos) << e;
  }
  {  // a channels-last value read by an op that needs [N, C, H, W]
    OnnxMaker m({4, 3, 3});
    to_channels_last(m, "/t", "x", "t");
    m.node("Flatten", "/flat", {"t"}, {"y"});
    m.output("y");
    const std::string e = import_error(m);
    EXPECT_NE(e.find("'/flat'"), std::string::npos) << e;
    EXPECT_NE(e.find("channels-last layout"), std::string::npos) << e;
  }
  {  // a channels-last graph output
    OnnxMaker m({4, 3, 3});
    to_channels_last(m, "/t", "x", "y");
    m.output("y");
    EXPECT_NE(import_error(m).find("graph output 'y' is a channels-last"), std::string::npos) << import_error(m);
  }
  {  // LayerNormalization from axis 1 of [N, C, H, W] normalises C, H and W together
    OnnxMaker m({4, 3, 3}, /*opset=*/17);
    m.init("w", {4, 3, 3});
    m.node("LayerNormalization", "/gn", {"x", "w"}, {"y"}, [](auto* n) { int_attr(n, "axis", 1); });
    m.output("y");
    const std::string e = import_error(m);
    EXPECT_NE(e.find("'/gn'"), std::string::npos) << e;
    EXPECT_NE(e.find("normalises over the channels only"), std::string::npos) << e;
  }
  {  // a MatMul over the width of [N, C, H, W]
    OnnxMaker m({4, 3, 3});
    m.init("w", {3, 5});
    m.node("MatMul", "/mm", {"x", "w"}, {"y"});
    m.output("y");
    EXPECT_NE(import_error(m).find("MatMul is supported only"), std::string::npos) << import_error(m);
  }
  {  // a GELU-like chain with another constant is not a GELU: its Erf stays, and Erf is not an op prunekit maps
    OnnxMaker m({4, 3, 3});
    decomposed_gelu(m, "act", "x", "y", /*root2=*/2.0f);
    m.output("y");
    const std::string e = import_error(m);
    EXPECT_NE(e.find("'/act/Erf'"), std::string::npos) << e;
    EXPECT_NE(e.find("op 'Erf' is not supported"), std::string::npos) << e;
  }
  {  // a LayerNorm whose centred value is also read elsewhere is not fused; its Pow is refused
    OnnxMaker m({4, 3, 3});
    decomposed_layer_norm(m, "ln", "x", 1, 1e-5f, "", "", "n");
    m.node("Add", "/leak", {"n", "/ln/d"}, {"y"});
    m.output("y");
    const std::string e = import_error(m);
    EXPECT_NE(e.find("ReduceMean over axes [1]"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace pk
