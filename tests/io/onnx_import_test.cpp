// ONNX import of the patterns PyTorch and other exporters emit, on small models built in C++
// (torch-free: this file also runs in the AddressSanitizer build, see cmake/io.cmake).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "graph/text_format.h"
#include "io/onnx_import.h"
#include "io/onnx_names.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using iotest::float_attr;
using iotest::int_attr;
using iotest::ints;
using iotest::OnnxMaker;
using iotest::tensor;
using iotest::string_attr;

int count(const Graph& g, OpKind op) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(), [&](const Node& n) { return n.op == op; }));
}

TEST(OnnxNames, TorchScopesBecomeStateDictPrefixes) {
  EXPECT_EQ(torch_scope_name("/layer1/layer1.0/conv1/Conv", "Conv"), "layer1.0.conv1");
  EXPECT_EQ(torch_scope_name("/layer4/layer4.1/relu_1/Relu", "Relu"), "layer4.1.relu_1");
  EXPECT_EQ(torch_scope_name("/features/features.0/features.0.2/Clip", "Clip"), "features.0.2");
  EXPECT_EQ(torch_scope_name("/layer1/layer1.0/Add", "Add"), "layer1.0.add");
  EXPECT_EQ(torch_scope_name("/features/denseblock1/denselayer1/Concat_1", "Concat"),
            "features.denseblock1.denselayer1.concat");
  EXPECT_EQ(torch_scope_name("/Flatten", "Flatten"), "flatten");
  EXPECT_EQ(torch_scope_name("/fc/Gemm", "Gemm"), "fc");
  EXPECT_EQ(torch_scope_name("Conv_0", "Conv"), "");
  EXPECT_EQ(sanitize_name("a b#c.d/e:f-g"), "a_b_c.d/e:f-g");
  NameAllocator names;
  EXPECT_EQ(names.take("conv"), "conv");
  EXPECT_EQ(names.take("conv"), "conv_1");
  EXPECT_EQ(names.take("con v"), "con_v");
  EXPECT_EQ(names.take(""), "node");
}

TEST(OnnxImport, ConvBnReluPoolGemmWithTorchNames) {
  OnnxMaker m({3, 8, 8}, 13, "input");
  m.init("w", {4, 3, 3, 3});
  m.init("b", {4});
  for (const char* t : {"scale", "shift", "mean", "var"}) m.init(t, {4}, {1.0f, 0.5f, 0.25f, 2.0f});
  m.init("fc.weight", {5, 64});
  m.init("fc.bias", {5});
  m.node("Conv", "/conv1/Conv", {"input", "w", "b"}, {"c"}, [](auto* n) {
    ints(n, "pads", {1, 1, 1, 1});
    ints(n, "kernel_shape", {3, 3});
  });
  m.node("BatchNormalization", "/bn1/BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"bn"}, [](auto* n) {
    float_attr(n, "epsilon", 1e-5f);
    float_attr(n, "momentum", 0.9f);
  });
  m.node("Relu", "/relu/Relu", {"bn"}, {"r"});
  m.node("MaxPool", "/maxpool/MaxPool", {"r"}, {"p"}, [](auto* n) {
    ints(n, "kernel_shape", {2, 2});
    ints(n, "strides", {2, 2});
  });
  m.node("Flatten", "/Flatten", {"p"}, {"f"}, [](auto* n) { int_attr(n, "axis", 1); });
  m.node("Gemm", "/fc/Gemm", {"f", "fc.weight", "fc.bias"}, {"logits"}, [](auto* n) { int_attr(n, "transB", 1); });
  m.output("logits");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  EXPECT_EQ(graph_to_text(r.graph),
            "# prunekit graph v1\n"
            "input = Input() shape=3x8x8                                   # 3x8x8\n"
            "conv1 = Conv2d(input) out=4 kernel=3x3 stride=1x1 padding=1x1 dilation=1x1 groups=1 bias=true  # 4x8x8\n"
            "bn1 = BatchNorm2d(conv1) eps=1e-05 momentum=0.1               # 4x8x8\n"
            "relu = ReLU(bn1)                                              # 4x8x8\n"
            "maxpool = MaxPool2d(relu) kernel=2x2 stride=2x2 padding=0x0 ceil_mode=false  # 4x4x4\n"
            "flatten = Flatten(maxpool)                                    # 64\n"
            "fc = Linear(flatten) out=5 bias=true                          # 5\n"
            "output fc\n");
  EXPECT_EQ(r.tensors.size(), 8u);
  EXPECT_EQ(tensor(r, "bn1", "running_var").values, (std::vector<float>{1.0f, 0.5f, 0.25f, 2.0f}));
  EXPECT_FLOAT_EQ(tensor(r, "conv1", "weight").values[5], 0.05f);
  EXPECT_EQ(r.metadata["source"]["opset"], 13);
}

TEST(OnnxImport, SiluSeScalingAndClipPatterns) {
  OnnxMaker m({4, 8, 8});
  m.init("w1", {4, 1, 3, 3});
  m.init("wr", {2, 4, 1, 1});
  m.init("we", {4, 2, 1, 1});
  m.node("Conv", "dw", {"x", "w1"}, {"c"}, [](auto* n) {
    int_attr(n, "group", 4);
    ints(n, "pads", {1, 1, 1, 1});
  });
  m.node("Sigmoid", "sig", {"c"}, {"s"});
  m.node("Mul", "silu", {"s", "c"}, {"a"});  // sigmoid first: still SiLU
  m.node("GlobalAveragePool", "se.pool", {"a"}, {"g"});
  m.node("Conv", "se.reduce", {"g", "wr"}, {"r"});
  m.node("Constant", "zero", {}, {"lo"}, [](auto* n) { float_attr(n, "value_float", 0.0f); });
  m.node("Constant", "six", {}, {"hi"}, [](auto* n) { float_attr(n, "value_float", 6.0f); });
  m.node("Clip", "se.relu6", {"r", "lo", "hi"}, {"r6"});
  m.node("Conv", "se.expand", {"r6", "we"}, {"e"});
  m.node("Clip", "se.relu", {"e", "lo"}, {"e0"});
  m.node("Sigmoid", "se.gate", {"e0"}, {"gate"});
  m.node("Mul", "se.scale", {"gate", "a"}, {"y"});  // [N,C,1,1] first: swapped to broadcast second
  m.output("y");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(g.node("silu").op, OpKind::kSiLU);
  EXPECT_FALSE(g.has("sig"));  // the fused Sigmoid is gone
  EXPECT_EQ(g.node("dw").attr<ConvAttrs>().groups, 4);
  EXPECT_EQ(g.node("se.relu6").op, OpKind::kReLU6);
  EXPECT_EQ(g.node("se.relu").op, OpKind::kReLU);
  EXPECT_EQ(g.node("se.scale").inputs, (std::vector<std::string>{"silu", "se.gate"}));
  EXPECT_EQ(g.node("se.scale").shape.str(), "4x8x8");
}

TEST(OnnxImport, TorchFlattenChainMatMulAddPadAndDropout) {
  OnnxMaker m({2, 6, 6});
  m.init("w", {3, 2, 3, 3});
  m.init("mm", {12, 7});
  m.init("bias", {7});
  m.init_int("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  m.init_int("zero_pads", {8}, {0, 0, 0, 0, 0, 0, 0, 0});
  m.init_int("idx0", {}, {0});
  m.init_int("minus1", {1}, {-1});
  m.node("Pad", "pad", {"x", "pads"}, {"xp"});
  m.node("Conv", "conv", {"xp", "w"}, {"c"});  // Pad(1) + Conv(pad 0) = Conv(pad 1): 3x6x6
  m.node("Pad", "zpad", {"c", "zero_pads"}, {"cz"});
  m.node("AveragePool", "pool", {"cz"}, {"p"}, [](auto* n) {
    ints(n, "kernel_shape", {3, 3});
    ints(n, "strides", {3, 3});
  });  // 3x2x2
  m.node("Shape", "shape", {"p"}, {"s"});
  m.node("Gather", "g", {"s", "idx0"}, {"n"}, [](auto* n) { int_attr(n, "axis", 0); });
  m.node("Unsqueeze", "u", {"n", "idx0_axes"}, {"n1"});
  m.init_int("idx0_axes", {1}, {0});
  m.node("Concat", "cat", {"n1", "minus1"}, {"target"}, [](auto* n) { int_attr(n, "axis", 0); });
  m.node("Reshape", "/Reshape", {"p", "target"}, {"flat"});
  m.node("Dropout", "drop", {"flat"}, {"d"});
  m.node("MatMul", "/fc/MatMul", {"d", "mm"}, {"mmo"});
  m.node("Add", "/fc/Add", {"mmo", "bias"}, {"y"});
  m.output("y");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(g.node("conv").attr<ConvAttrs>().padding, (Hw{1, 1}));
  EXPECT_EQ(g.node("pool").attr<PoolAttrs>().padding, (Hw{0, 0}));
  EXPECT_EQ(g.node("reshape").op, OpKind::kFlatten);
  EXPECT_EQ(count(g, OpKind::kLinear), 1);
  const Node& fc = g.node("fc");
  EXPECT_TRUE(fc.attr<LinearAttrs>().bias);
  EXPECT_EQ(fc.inputs, std::vector<std::string>{"reshape"});  // Dropout dropped
  // MatMul B [12, 7] is stored transposed: weight[o][i] = B[i][o].
  EXPECT_FLOAT_EQ(tensor(r, "fc", "weight").values[1 * 12 + 0], 0.01f * 1);
  EXPECT_FLOAT_EQ(tensor(r, "fc", "weight").values[0 * 12 + 1], 0.01f * 7);
}

TEST(OnnxImport, PadFoldsIntoAveragePoolCountingPadding) {
  OnnxMaker m({2, 6, 6});
  m.init_int("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  m.node("Pad", "pad", {"x", "pads"}, {"xp"}, [](auto* n) { string_attr(n, "mode", "constant"); });
  m.node("AveragePool", "pool", {"xp"}, {"y"}, [](auto* n) {
    ints(n, "kernel_shape", {3, 3});
    ints(n, "strides", {1, 1});
  });
  m.output("y");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const auto& p = r.graph.node("pool").attr<PoolAttrs>();
  EXPECT_EQ(p.padding, (Hw{1, 1}));
  EXPECT_TRUE(p.count_include_pad);
  EXPECT_EQ(r.graph.node("pool").shape.str(), "2x6x6");
}

/// x [N,6,4,4] → Reshape [N,2,3,4,4] → Transpose(perm) → Reshape [N,6,4,4] → y, as torch exports
/// ShuffleNet's channel shuffle with 2 groups; `reader` replaces the Transpose if given.
OnnxMaker channel_shuffle_model(std::vector<int64_t> perm, const std::string& reader = "") {
  OnnxMaker m({6, 4, 4});
  m.init_int("groups", {5}, {0, 2, 3, 4, 4});
  m.init_int("back", {4}, {0, 6, 4, 4});
  m.node("Reshape", "/Reshape", {"x", "groups"}, {"v"});
  if (reader.empty())
    m.node("Transpose", "/Transpose", {"v"}, {"t"}, [&](auto* n) { ints(n, "perm", perm); });
  else
    m.node(reader, "/reader", {"v"}, {"t"});
  m.node("Reshape", "/Reshape_1", {"t", "back"}, {"y"});
  m.output("y");
  return m;
}

TEST(OnnxImport, ChannelShuffleBecomesOneChannelPermute) {
  const Graph g = import_onnx_bytes(channel_shuffle_model({0, 2, 1, 3, 4}).bytes(), "m.onnx").graph;
  ASSERT_EQ(g.size(), 2);  // input, the permute
  const Node& p = g.node(g.outputs()[0]);
  ASSERT_EQ(p.op, OpKind::kChannelPermute);
  // The [2, 3] channel grid read column by column: output j·2 + i is input i·3 + j.
  EXPECT_EQ(p.attr<ChannelPermuteAttrs>().order, (std::vector<int>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(p.shape.str(), "6x4x4");

  const auto message = [](const OnnxMaker& m) {
    try {
      import_onnx_bytes(m.bytes(), "m.onnx");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("imported");
  };
  const std::string perm = message(channel_shuffle_model({0, 1, 2, 4, 3}));
  EXPECT_NE(perm.find("Transpose perm=[0,1,2,4,3] of a channel shuffle's [N, g, C/g, H, W] view is not supported"),
            std::string::npos) << perm;
  const std::string relu = message(channel_shuffle_model({}, "Relu"));
  EXPECT_NE(relu.find("node '/reader' (Relu): input 'v' is the [N, 2, C/2, H, W] view of a channel shuffle"),
            std::string::npos) << relu;
  OnnxMaker odd = channel_shuffle_model({0, 2, 1, 3, 4});
  odd.graph().mutable_initializer(0)->set_int64_data(2, 4);  // 2 × 4 ≠ 6 channels
  EXPECT_NE(message(odd).find("a 5-D Reshape is supported only as the start of a channel shuffle"), std::string::npos)
      << message(odd);
}

TEST(OnnxImport, GemmTransposedScaledAndResizeAndPermutation) {
  OnnxMaker m({2, 3, 3});
  m.init("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  m.init_int("perm", {2}, {1, 0});
  m.init("B", {72, 4});
  m.init("C", {1, 4}, {1.0f, 2.0f, 3.0f, 4.0f});
  m.node("Resize", "up", {"x", "", "scales"}, {"u"}, [](auto* n) {
    string_attr(n, "mode", "nearest");
    string_attr(n, "coordinate_transformation_mode", "asymmetric");
    string_attr(n, "nearest_mode", "floor");
  });
  m.node("Gather", "shuffle", {"u", "perm"}, {"s"}, [](auto* n) { int_attr(n, "axis", 1); });
  m.node("Flatten", "flat", {"s"}, {"f"});
  m.node("Gemm", "fc", {"f", "B", "C"}, {"y"}, [](auto* n) {
    float_attr(n, "alpha", 2.0f);
    float_attr(n, "beta", 0.5f);
  });
  m.output("y");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(g.node("up").attr<UpsampleAttrs>().scale, 2);
  EXPECT_EQ(g.node("shuffle").attr<ChannelPermuteAttrs>().order, (std::vector<int>{1, 0}));
  EXPECT_EQ(g.node("fc").attr<LinearAttrs>().out_features, 4);
  // weight = alpha · Bᵀ, bias = beta · C
  EXPECT_FLOAT_EQ(tensor(r, "fc", "weight").values[1 * 72 + 2], 2.0f * 0.01f * (2 * 4 + 1));
  EXPECT_EQ(tensor(r, "fc", "bias").values, (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
}

TEST(OnnxImport, StaticBatchReshapeIdentityOnConstantsAndSingleInputConcat) {
  OnnxMaker m({2, 2, 2}, 11, "input.1", /*batch=*/1);
  m.init("w0", {3, 2, 1, 1});
  m.init_int("shape", {2}, {1, -1});
  m.node("Identity", "Identity_0", {"w0"}, {"w"});
  m.node("Conv", "Conv_1", {"input.1", "w"}, {"c"});
  m.node("Concat", "Concat_2", {"c"}, {"cc"}, [](auto* n) { int_attr(n, "axis", 1); });
  m.node("Reshape", "Reshape_3", {"cc", "shape"}, {"out"});
  m.output("out");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  EXPECT_EQ(graph_to_text(r.graph),
            "# prunekit graph v1\n"
            "input.1 = Input() shape=2x2x2                                 # 2x2x2\n"
            "Conv_1 = Conv2d(input.1) out=3 kernel=1x1 stride=1x1 padding=0x0 dilation=1x1 groups=1 bias=false  # 3x2x2\n"
            "Reshape_3 = Flatten(Conv_1)                                   # 12\n"
            "output Reshape_3\n");
}

TEST(OnnxImport, DuplicateAndIllegalNamesStayUniqueAndLegal) {
  OnnxMaker m({2, 4, 4}, 13, "in put");
  m.node("Relu", "a b", {"in put"}, {"r1"});
  m.node("Relu", "a b", {"r1"}, {"r2"});
  m.node("Relu", "", {"r2"}, {"out:0"});
  m.output("out:0");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  std::vector<std::string> names;
  for (const auto& n : r.graph.nodes()) names.push_back(n.name);
  EXPECT_EQ(names, (std::vector<std::string>{"in_put", "a_b", "a_b_1", "out:0"}));
}

// MobileNetV3 at opset 13: x * HardSigmoid(x) is HardSwish; a lone HardSigmoid (the SE gate) stays;
// x.mean([2, 3]) is a GlobalAvgPool (+ Flatten without keepdims), x.amax([2, 3]) a whole-map max pool.
TEST(OnnxImport, HardSwishHardSigmoidAndSpatialReductions) {
  OnnxMaker m({4, 6, 6});
  const float sixth = 1.0f / 6.0f;
  m.node("HardSigmoid", "hs", {"x"}, {"h"}, [&](auto* n) { float_attr(n, "alpha", sixth); });
  m.node("Mul", "hswish", {"x", "h"}, {"a"});
  m.node("ReduceMean", "squeeze", {"a"}, {"g"}, [](auto* n) { ints(n, "axes", {-1, -2}); });
  m.node("HardSigmoid", "gate", {"g"}, {"gh"}, [&](auto* n) {
    float_attr(n, "alpha", sixth);
    float_attr(n, "beta", 0.5f);
  });
  m.node("Mul", "excite", {"a", "gh"}, {"e"});
  m.node("ReduceMax", "maxpool", {"e"}, {"mx"}, [](auto* n) { ints(n, "axes", {2, 3}); });
  m.node("ReduceMean", "meanpool", {"e"}, {"mean"}, [](auto* n) {
    ints(n, "axes", {2, 3});
    int_attr(n, "keepdims", 0);
  });
  m.output("mx");
  m.output("mean");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  EXPECT_EQ(g.node("hswish").op, OpKind::kHardSwish);
  EXPECT_EQ(g.node("hswish").inputs, std::vector<std::string>{"x"});
  EXPECT_FALSE(g.has("hs"));  // fused away
  EXPECT_EQ(g.node("gate").op, OpKind::kHardSigmoid);
  EXPECT_EQ(g.node("squeeze").op, OpKind::kGlobalAvgPool);
  EXPECT_EQ(g.node("excite").op, OpKind::kMul);
  EXPECT_EQ(g.node("maxpool").op, OpKind::kMaxPool2d);
  EXPECT_EQ(g.node("maxpool").attr<PoolAttrs>().kernel, (Hw{6, 6}));
  EXPECT_EQ(g.node("maxpool").shape.str(), "4x1x1");
  const Node& mean = g.node(g.outputs().at(1));
  EXPECT_EQ(mean.op, OpKind::kFlatten);
  EXPECT_EQ(mean.shape.str(), "4");
  EXPECT_EQ(g.node(mean.inputs.at(0)).op, OpKind::kGlobalAvgPool);
}

// Arithmetic with constants: per-channel or scalar Add/Sub/Mul/Div of a tensor becomes a 1x1
// depthwise conv scale·x + shift; integer arithmetic on shape values is folded.
TEST(OnnxImport, ConstantArithmeticBecomesChannelAffineConvs) {
  OnnxMaker m({3, 4, 4});
  m.init("mean", {1, 3, 1, 1}, {0.5f, 0.25f, -1.0f});
  m.init("std", {3, 1, 1}, {2.0f, 4.0f, 0.5f});
  m.init("one", {}, {1.0f});
  m.node("Sub", "sub", {"x", "mean"}, {"a"});
  m.node("Div", "div", {"a", "std"}, {"b"});
  m.node("Sub", "flip", {"one", "b"}, {"c"});  // 1 - x
  m.output("c");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  const Graph& g = r.graph;
  for (const char* name : {"sub", "div", "flip"}) {
    const Node& n = g.node(name);
    ASSERT_EQ(n.op, OpKind::kConv2d) << name;
    EXPECT_EQ(n.attr<ConvAttrs>().groups, 3) << name;
    EXPECT_TRUE(n.attr<ConvAttrs>().bias) << name;
  }
  EXPECT_EQ(tensor(r, "sub", "weight").values, (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(tensor(r, "sub", "bias").values, (std::vector<float>{-0.5f, -0.25f, 1.0f}));
  EXPECT_EQ(tensor(r, "div", "weight").values, (std::vector<float>{0.5f, 0.25f, 2.0f}));
  EXPECT_EQ(tensor(r, "div", "bias").values, (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(tensor(r, "flip", "weight").values, (std::vector<float>{-1, -1, -1}));
  EXPECT_EQ(tensor(r, "flip", "bias").values, (std::vector<float>{1, 1, 1}));
}

TEST(OnnxImport, IntegerShapeArithmeticFoldsIntoReshapeTargets) {
  OnnxMaker m({4, 2, 2});
  m.init_int("two", {}, {2});
  m.init_int("eight", {1}, {8});
  m.init_int("minus_one", {1}, {-1});
  m.node("Shape", "shape", {"x"}, {"s"});
  m.init_int("idx", {}, {1});
  m.node("Gather", "channels", {"s", "idx"}, {"c"});  // 4 (scalar)
  m.node("Mul", "times", {"c", "two"}, {"c8"});        // 8
  m.node("Div", "half", {"c8", "two"}, {"c4"});        // 4
  m.node("Add", "plus", {"c4", "c4"}, {"c8b"});        // 8
  m.node("Sub", "minus", {"c8b", "eight"}, {"zero"});  // [0]
  m.node("Concat", "target", {"zero", "minus_one"}, {"t"}, [](auto* n) { int_attr(n, "axis", 0); });
  m.node("Reshape", "flat", {"x", "t"}, {"y"});
  m.output("y");
  OnnxImport r = import_onnx_bytes(m.bytes(), "m.onnx");
  EXPECT_EQ(r.graph.node("flat").op, OpKind::kFlatten);
  EXPECT_EQ(r.graph.node("flat").shape.str(), "16");
}

}  // namespace
}  // namespace pk
