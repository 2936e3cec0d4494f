// Asymmetric and SAME padding (Conv, MaxPool, AveragePool, Pad) from hand-built ONNX models,
// judged by ONNX Runtime: the imported network computes ORT's output on the same input; the
// padding both sides of an axis share ends up in the Conv/AveragePool itself and only an
// asymmetric rest stays a Pad node; prunekit's own ONNX and TorchScript exports of the imported
// network compute the same again. Cases ORT computes differently from any IR mapping are refused.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/onnx_import.h"
#include "io/onnx_model.h"
#include "io/torchscript_export.h"
#include "io_test_util.h"
#include "onnx_maker.h"
#include "weights/model_file.h"

namespace pk {
namespace {

using namespace pk::iotest;

// Odd height, even width: SAME splits differ per axis.
constexpr int64_t kChannels = 2, kHeight = 7, kWidth = 6;

struct PadCase {
  std::string label;
  std::function<void(OnnxMaker&)> build;  // nodes from "x" to "y"
  int pad_nodes;                          // Pad nodes the imported IR keeps
  /// ONNX Runtime (1.17 on, 1.30 here) fuses a zero Pad into a following MaxPool ("PadFusion"),
  /// which pads with −∞ instead: when set, the ONNX semantics are computed here instead.
  std::function<torch::Tensor(const torch::Tensor&)> spec_reference = nullptr;
};

void conv(OnnxMaker& m, const std::string& in, const std::string& out, int kernel,
          const std::function<void(onnx::NodeProto*)>& attrs) {
  m.init(out + ".w", {3, kChannels, kernel, kernel});
  m.node("Conv", out, {in, out + ".w"}, {out}, attrs);
}

void pad_node(OnnxMaker& m, const std::string& in, const std::string& out, std::vector<int64_t> pads) {
  m.init_int(out + ".pads", {8}, pads);
  m.node("Pad", out, {in, out + ".pads"}, {out});
}

std::vector<PadCase> cases() {
  using N = onnx::NodeProto*;
  const auto pool = [](const char* op, std::vector<int64_t> kernel_stride, std::function<void(N)> more) {
    return [=](OnnxMaker& m) {
      m.node(op, "pool", {"x"}, {"y"}, [&](N n) {
        ints(n, "kernel_shape", {kernel_stride[0], kernel_stride[0]});
        ints(n, "strides", {kernel_stride[1], kernel_stride[1]});
        more(n);
      });
    };
  };
  return {
      {"conv pads [0,0,1,1] stride 2 (TF SAME)",
       [](OnnxMaker& m) { conv(m, "x", "y", 3, [](N n) { ints(n, "pads", {0, 0, 1, 1}), ints(n, "strides", {2, 2}); }); },
       1},
      {"conv pads [1,2,2,1]", [](OnnxMaker& m) { conv(m, "x", "y", 3, [](N n) { ints(n, "pads", {1, 2, 2, 1}); }); }, 1},
      {"conv SAME_UPPER k3 s2",
       [](OnnxMaker& m) {
         conv(m, "x", "y", 3, [](N n) { string_attr(n, "auto_pad", "SAME_UPPER"), ints(n, "strides", {2, 2}); });
       },
       1},
      {"conv SAME_LOWER k4", [](OnnxMaker& m) { conv(m, "x", "y", 4, [](N n) { string_attr(n, "auto_pad", "SAME_LOWER"); }); },
       1},
      {"conv SAME_UPPER k5 (symmetric)", [](OnnxMaker& m) { conv(m, "x", "y", 5, [](N n) { string_attr(n, "auto_pad", "SAME_UPPER"); }); },
       0},
      {"conv VALID", [](OnnxMaker& m) { conv(m, "x", "y", 3, [](N n) { string_attr(n, "auto_pad", "VALID"); }); }, 0},
      {"maxpool pads [0,0,1,1] k3 s2", pool("MaxPool", {3, 2}, [](N n) { ints(n, "pads", {0, 0, 1, 1}); }), 1},
      {"maxpool SAME_UPPER k2 s2", pool("MaxPool", {2, 2}, [](N n) { string_attr(n, "auto_pad", "SAME_UPPER"); }), 1},
      {"maxpool SAME_LOWER k3 s1", pool("MaxPool", {3, 1}, [](N n) { string_attr(n, "auto_pad", "SAME_LOWER"); }), 0},
      {"avgpool pads [0,1,1,0] counting the padding",
       pool("AveragePool", {3, 2}, [](N n) { ints(n, "pads", {0, 1, 1, 0}), int_attr(n, "count_include_pad", 1); }), 1},
      {"avgpool SAME_UPPER k3 s1 (symmetric, not counting)",
       pool("AveragePool", {3, 1}, [](N n) { string_attr(n, "auto_pad", "SAME_UPPER"); }), 0},
      {"Pad [0,1 | 1,0] + MaxPool (zeros stay a Pad)",
       [](OnnxMaker& m) {
         pad_node(m, "x", "p", {0, 0, 0, 1, 0, 0, 1, 0});
         m.node("MaxPool", "pool", {"p"}, {"y"}, [](N n) { ints(n, "kernel_shape", {2, 2}), ints(n, "strides", {2, 2}); });
       },
       1,
       [](const torch::Tensor& x) { return torch::max_pool2d(torch::constant_pad_nd(x, {1, 0, 0, 1}, 0.0), {2, 2}); }},
      {"Pad [1,1 | 2,2] + Conv (1 folds, the rest stays)",
       [](OnnxMaker& m) {
         pad_node(m, "x", "p", {0, 0, 1, 1, 0, 0, 2, 2});
         conv(m, "p", "y", 3, [](N) {});
       },
       1},
      {"Pad [1,1 | 1,1] + AveragePool not counting its own padding (stays)",
       [](OnnxMaker& m) {
         pad_node(m, "x", "p", {0, 0, 1, 1, 0, 0, 1, 1});
         m.node("AveragePool", "pool", {"p"}, {"y"}, [](N n) {
           ints(n, "kernel_shape", {3, 3}), ints(n, "pads", {1, 1, 1, 1}), int_attr(n, "count_include_pad", 0);
         });
       },
       1},
      {"Pad [1,1 | 1,1] read by two Convs (folds into both)",
       [](OnnxMaker& m) {
         pad_node(m, "x", "p", {0, 0, 1, 1, 0, 0, 1, 1});
         conv(m, "p", "a", 3, [](N) {});
         conv(m, "p", "b", 3, [](N) {});
         m.node("Add", "sum", {"a", "b"}, {"y"});
       },
       0},
  };
}

/// max |a − b| relative to b's magnitude (outputs here reach ~50: float sums differ in the 6th digit).
double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return max_abs_diff(a, b) / (1.0 + b.abs().max().item<double>());
}

int count_pads(const Graph& g) {
  int pads = 0;
  for (const Node& n : g.nodes()) pads += n.op == OpKind::kPad;
  return pads;
}

TEST(OnnxPadding, AsymmetricAndSamePaddingComputeWhatOnnxRuntimeComputes) {
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir = temp_dir();
  const std::vector<PadCase> all = cases();
  std::vector<std::string> originals, exported, scripts;
  std::vector<ModelFile> imported;
  for (size_t k = 0; k < all.size(); ++k) {
    OnnxMaker m({kChannels, kHeight, kWidth});
    all[k].build(m);
    m.output("y");
    originals.push_back((dir / fmt::format("case{}.onnx", k)).string());
    std::ofstream(originals.back(), std::ios::binary) << m.bytes();
    imported.push_back(import_onnx(originals.back()));
    EXPECT_EQ(count_pads(imported.back().graph), all[k].pad_nodes) << all[k].label;
    exported.push_back((dir / fmt::format("case{}.pk.onnx", k)).string());
    export_onnx(exported.back(), imported.back().graph, imported.back().weights);
    scripts.push_back((dir / fmt::format("case{}.pt", k)).string());
    export_torchscript(scripts.back(), imported.back().graph, imported.back().weights);
  }
  // Mostly negative, so a max pool padded with zeros instead of −∞ differs at every border.
  const torch::Tensor x =
      torch::randn({2, kChannels, kHeight, kWidth}, torch::Generator(at::detail::createCPUGenerator(7))) - 3.0;
  const std::vector<torch::Tensor> inputs(all.size(), x);
  const std::vector<torch::Tensor> ort = run_ort(originals, inputs);
  const std::vector<torch::Tensor> ort_of_export = run_ort(exported, inputs);
  for (size_t k = 0; k < all.size(); ++k) {
    SCOPED_TRACE(all[k].label);
    const torch::Tensor mine = run_executor(imported[k].graph, imported[k].weights, x);
    ASSERT_EQ(mine.sizes(), ort[k].sizes());
    torch::Tensor expected = ort[k];
    if (all[k].spec_reference) {
      expected = all[k].spec_reference(x);
      EXPECT_GT(relative_diff(ort[k], expected), 0.01) << "ONNX Runtime computes a zero Pad + MaxPool as the spec says "
                                                         "now: drop spec_reference and the caveat in docs/formats.md";
    } else {
      EXPECT_LE(relative_diff(ort_of_export[k], ort[k]), 1e-6) << "prunekit's ONNX export in ORT";
    }
    EXPECT_LE(relative_diff(mine, expected), 1e-6);
    torch::jit::Module script = torch::jit::load(scripts[k]);
    torch::NoGradGuard no_grad;
    EXPECT_LE(relative_diff(script.forward({x}).toTensor(), expected), 1e-6) << "TorchScript export";
  }
}

TEST(OnnxPadding, PartOfAPadFoldsIntoTheConvAndTheRestStays) {
  OnnxMaker m({kChannels, kHeight, kWidth});
  pad_node(m, "x", "p", {0, 0, 1, 1, 0, 0, 2, 2});
  conv(m, "p", "y", 3, [](onnx::NodeProto*) {});
  m.output("y");
  const Graph g = import_onnx_bytes(m.bytes(), "m.onnx").graph;
  const Node& conv_node = g.node(g.outputs()[0]);
  EXPECT_EQ(conv_node.attr<ConvAttrs>().padding, (Hw{1, 1}));
  const Node& rest = g.node(conv_node.inputs[0]);
  ASSERT_EQ(rest.op, OpKind::kPad);
  const PadAttrs& a = rest.attr<PadAttrs>();
  EXPECT_EQ(std::vector<int>({a.top, a.left, a.bottom, a.right}), std::vector<int>({0, 0, 1, 1}));
}

// ONNX Runtime refuses SAME with dilation, so the formula is checked here: k3 dilated by 2 spans
// 5 pixels, whose SAME padding at stride 1 is 2 on each side.
TEST(OnnxPadding, SamePaddingOfADilatedConvCoversItsDilatedSpan) {
  for (const int stride : {1, 2}) {
    OnnxMaker m({kChannels, kHeight, kWidth});
    conv(m, "x", "y", 3, [&](onnx::NodeProto* n) {
      string_attr(n, "auto_pad", "SAME_UPPER"), ints(n, "dilations", {2, 2}), ints(n, "strides", {stride, stride});
    });
    m.output("y");
    const Graph g = import_onnx_bytes(m.bytes(), "m.onnx").graph;
    const Node& c = g.node(g.outputs()[0]);
    EXPECT_EQ(c.shape.height(), (kHeight + stride - 1) / stride) << stride;
    EXPECT_EQ(c.shape.width(), (kWidth + stride - 1) / stride) << stride;
    // Stride 2: H 7 rows → 4, total (4 − 1)·2 + 5 − 7 = 4 = 2 + 2; W 6 → 3, total 3 = 1 + 2.
    EXPECT_EQ(c.attr<ConvAttrs>().padding, (Hw{2, stride == 1 ? 2 : 1})) << stride;
    if (stride == 2) {
      const PadAttrs& rest = g.node(c.inputs[0]).attr<PadAttrs>();
      EXPECT_EQ(std::vector<int>({rest.top, rest.left, rest.bottom, rest.right}), std::vector<int>({0, 0, 0, 1}));
    }
  }
}

// torch.onnx.export (opset 13) of F.pad(x, (left, right, top, bottom)) computes the ONNX pads in
// the graph; the chain folds to constant pads [0, 0, top, left, 0, 0, bottom, right].
TEST(OnnxPadding, TorchsPadsArithmeticFoldsToConstantPads) {
  using N = onnx::NodeProto*;
  OnnxMaker m({kChannels, kHeight, kWidth});
  m.init_int("torch_pads", {4}, {1, 2, 0, 3});  // left 1, right 2, top 0, bottom 3
  m.init_int("four", {1}, {4});
  m.init_int("pairs", {2}, {-1, 2});
  m.init_int("minus1", {1}, {-1});
  m.init_int("before_first", {1}, {-9223372036854775807});
  m.init_int("axis0", {1}, {0});
  m.node("ConstantOfShape", "zeros", {"four"}, {"z"}, [](N n) {
    auto* t = n->add_attribute();
    t->set_name("value");
    t->set_type(onnx::AttributeProto::TENSOR);
    t->mutable_t()->set_data_type(onnx::TensorProto::INT64);
    t->mutable_t()->add_dims(1);
    t->mutable_t()->add_int64_data(0);
  });
  m.node("Concat", "cat", {"torch_pads", "z"}, {"c"}, [](N n) { int_attr(n, "axis", 0); });
  m.node("Reshape", "pairs_of", {"c", "pairs"}, {"r"});
  m.node("Slice", "reverse", {"r", "minus1", "before_first", "axis0", "minus1"}, {"s"});
  m.node("Transpose", "t", {"s"}, {"tr"}, [](N n) { ints(n, "perm", {1, 0}); });
  m.node("Reshape", "flat", {"tr", "minus1"}, {"f"});
  m.node("Cast", "cast", {"f"}, {"pads"}, [](N n) { int_attr(n, "to", onnx::TensorProto::INT64); });
  m.node("Pad", "pad", {"x", "pads"}, {"y"});
  m.output("y");
  const Graph g = import_onnx_bytes(m.bytes(), "m.onnx").graph;
  const Node& pad = g.node(g.outputs()[0]);
  ASSERT_EQ(pad.op, OpKind::kPad);
  const PadAttrs& a = pad.attr<PadAttrs>();
  EXPECT_EQ(std::vector<int>({a.top, a.left, a.bottom, a.right}), std::vector<int>({0, 1, 3, 2}));
  EXPECT_EQ(pad.shape.str(), fmt::format("{}x{}x{}", kChannels, kHeight + 3, kWidth + 3));
}

/// The UserError message of importing `bytes` ("" if they import).
std::string import_error(const std::string& bytes) {
  try {
    import_onnx_bytes(bytes, "m.onnx");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(OnnxPadding, PaddingNoIrMappingComputesIsRefusedNamingTheNode) {
  using N = onnx::NodeProto*;
  const auto refusal = [](const std::string& op, const std::function<void(N)>& attrs) {
    OnnxMaker m({kChannels, kHeight, kWidth});
    if (op == "Conv") m.init("w", {3, kChannels, 3, 3});
    m.node(op, "node", op == "Conv" ? std::vector<std::string>{"x", "w"} : std::vector<std::string>{"x"}, {"y"},
           [&](N n) {
             if (op != "Conv") ints(n, "kernel_shape", {3, 3});
             attrs(n);
           });
    m.output("y");
    return import_error(m.bytes());
  };
  const std::string avg = refusal("AveragePool", [](N n) { ints(n, "pads", {0, 0, 1, 1}); });
  EXPECT_NE(avg.find("node 'node' (AveragePool): asymmetric padding [0, 0, 1, 1] with count_include_pad=0"),
            std::string::npos) << avg;
  const std::string ceil = refusal("MaxPool", [](N n) { ints(n, "pads", {0, 0, 1, 1}), int_attr(n, "ceil_mode", 1); });
  EXPECT_NE(ceil.find("asymmetric padding [0, 0, 1, 1] with ceil_mode=1 is not supported"), std::string::npos) << ceil;
  const std::string both = refusal("Conv", [](N n) { string_attr(n, "auto_pad", "SAME_UPPER"), ints(n, "pads", {1, 1, 1, 1}); });
  EXPECT_NE(both.find("auto_pad=SAME_UPPER and pads are both given"), std::string::npos) << both;
  const std::string mode = refusal("Conv", [](N n) { string_attr(n, "auto_pad", "SAME"); });
  EXPECT_NE(mode.find("auto_pad=SAME is not an ONNX padding mode"), std::string::npos) << mode;

  OnnxMaker transposed({kChannels, kHeight, kWidth});
  transposed.node("Transpose", "t", {"x"}, {"y"}, [](N n) { ints(n, "perm", {0, 1, 3, 2}); });
  transposed.output("y");
  EXPECT_NE(import_error(transposed.bytes()).find("node 't' (Transpose): Transpose of a rank-4 tensor with perm [0,1,3,2] is not supported"),
            std::string::npos) << import_error(transposed.bytes());

  OnnxMaker crop({kChannels, kHeight, kWidth});
  pad_node(crop, "x", "y", {0, 0, -1, 0, 0, 0, 0, 0});
  crop.output("y");
  EXPECT_NE(import_error(crop.bytes()).find("negative pads [0,0,-1,0,0,0,0,0] (cropping) are not supported"),
            std::string::npos) << import_error(crop.bytes());
}

}  // namespace
}  // namespace pk
