// Malformed and unsupported ONNX input: every case is a pk::UserError whose message names the file
// and says what is wrong — never a crash, never a wrong graph. Torch-free, so the same tests also
// run under AddressSanitizer (ctest -L slow: io_malformed_asan).
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "io/onnx_import.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using iotest::float_attr;
using iotest::int_attr;
using iotest::ints;
using iotest::OnnxMaker;

/// Imports `bytes` expecting a UserError that mentions every one of `needles` (and the file).
void expect_error(const std::string& bytes, const std::vector<std::string>& needles) {
  try {
    import_onnx_bytes(bytes, "bad.onnx");
    ADD_FAILURE() << "import succeeded; expected an error mentioning " << needles.front();
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.onnx"), std::string::npos) << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

/// input [N,3,8,8] → Conv(w [4,3,3,3], pads 1) → Relu → output "y".
OnnxMaker conv_model() {
  OnnxMaker m;
  m.init("w", {4, 3, 3, 3});
  m.node("Conv", "conv", {"x", "w"}, {"c"}, [](auto* n) { ints(n, "pads", {1, 1, 1, 1}); });
  m.node("Relu", "relu", {"c"}, {"y"});
  m.output("y");
  return m;
}

TEST(OnnxMalformed, ValidBaseModelImports) {
  EXPECT_EQ(import_onnx_bytes(conv_model().bytes(), "ok.onnx").graph.size(), 3);
}

TEST(OnnxMalformed, EmptyFile) { expect_error("", {"empty"}); }

TEST(OnnxMalformed, NotProtobuf) {
  expect_error("# prunekit graph v1\ninput = Input() shape=1x28x28\n", {"not"});
  expect_error(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), {"not"});
  expect_error("{\"model\": 1}", {"not"});
}

TEST(OnnxMalformed, TruncatedFile) {
  const std::string bytes = conv_model().bytes();
  for (size_t cut : {bytes.size() / 2, bytes.size() - 3, size_t{7}}) {
    SCOPED_TRACE(cut);
    expect_error(bytes.substr(0, cut), {"ONNX"});
  }
}

TEST(OnnxMalformed, MissingInitializer) {
  OnnxMaker m = conv_model();
  m.graph().mutable_initializer()->Clear();
  expect_error(m.bytes(), {"conv", "'w'", "not defined"});
}

TEST(OnnxMalformed, WrongRanks) {
  OnnxMaker m;
  m.init("w", {4, 3, 3});
  m.node("Conv", "conv", {"x", "w"}, {"y"});
  m.output("y");
  expect_error(m.bytes(), {"conv", "Conv", "4-D"});
  OnnxMaker m3({3, 8});  // [N,3,8]
  m3.node("Relu", "relu", {"x"}, {"y"});
  m3.output("y");
  expect_error(m3.bytes(), {"graph input 'x'", "rank 3"});
}

TEST(OnnxMalformed, UnsupportedOpNamesNodeOpAndSupportedList) {
  OnnxMaker m = conv_model();
  m.node("Einsum", "/mix/Einsum", {"y"}, {"p"});
  m.graph().mutable_output(0)->set_name("p");
  expect_error(m.bytes(), {"/mix/Einsum", "Einsum", "supported ops", "Conv", "BatchNormalization"});
}

// Softmax is supported over the classes of [N, K] scores only: over a feature map (a per-pixel
// softmax of a segmenter) it is refused, saying what is supported.
TEST(OnnxMalformed, SoftmaxOverAFeatureMapIsRefused) {
  OnnxMaker m = conv_model();
  m.node("Softmax", "/softmax/Softmax", {"y"}, {"p"});
  m.graph().mutable_output(0)->set_name("p");
  expect_error(m.bytes(), {"/softmax/Softmax", "axis -1 of a rank-4 tensor", "[N, K]"});
}

// Found by fuzz_onnx_import: an Unsqueeze whose axes input is not an integer constant read an
// empty optional (a crash under ASan).
TEST(OnnxMalformed, UnsqueezeAxesThatAreNotIntegersAreAnError) {
  OnnxMaker m = conv_model();
  m.init_int("zero", {}, {0});
  m.init("float_axes", {1}, {0.0f});
  m.node("Shape", "shape", {"y"}, {"s"});
  m.node("Gather", "gather", {"s", "zero"}, {"batch"}, [](auto* n) { int_attr(n, "axis", 0); });
  m.node("Unsqueeze", "unsqueeze", {"batch", "float_axes"}, {"u"});
  expect_error(m.bytes(), {"node 'unsqueeze' (Unsqueeze)", "axes must be an integer constant"});
}

// Found by fuzz_onnx_import (UBSan): a Reshape of a constant to a huge target overflowed int64
// while its size was computed.
TEST(OnnxMalformed, ReshapeOfAConstantToAHugeTargetIsAnError) {
  OnnxMaker m = conv_model();
  m.init_int("pair", {2}, {1, 2});
  m.init_int("huge", {2}, {216172782113783807, 72057594037927935});
  m.node("Reshape", "reshape", {"pair", "huge"}, {"r"});
  expect_error(m.bytes(), {"node 'reshape' (Reshape)", "a constant of shape [2] cannot be reshaped"});
}

// Found by fuzz_onnx_import (UBSan): the start of a channel shuffle checked g · (C/g) = C by a
// product that overflowed. Here it wraps to exactly C = 4 ((2⁶² + 1) · 4 = 4 mod 2⁶⁴), so the
// old check accepted a view with 2⁶² + 1 groups.
TEST(OnnxMalformed, ChannelShuffleGroupsWhoseProductOverflowsAreAnError) {
  OnnxMaker m = conv_model();
  m.init_int("view", {5}, {-1, 4611686018427387905, 4, 8, 8});
  m.node("Reshape", "reshape", {"y", "view"}, {"r"});
  expect_error(m.bytes(), {"node 'reshape' (Reshape)", "a 5-D Reshape is supported only as the start of a channel shuffle"});
}

// Found by fuzz_onnx_import (UBSan): integer shape arithmetic overflowed int64 (here a product
// that wraps to 4), which the walk would have used as a shape.
TEST(OnnxMalformed, ShapeArithmeticThatOverflowsIsAnError) {
  OnnxMaker m = conv_model();
  m.init_int("a", {1}, {4611686018427387905});
  m.init_int("b", {1}, {4});
  m.node("Mul", "mul", {"a", "b"}, {"p"});
  expect_error(m.bytes(), {"node 'mul' (Mul)", "integer overflow in shape arithmetic"});
}

TEST(OnnxMalformed, UnsupportedPatternsAreErrorsNotWrongGraphs) {
  {
    OnnxMaker m;
    m.init("w", {4, 3, 3, 3});
    m.node("AveragePool", "pool", {"x"}, {"y"}, [](auto* n) {
      ints(n, "kernel_shape", {3, 3});
      ints(n, "pads", {1, 1, 0, 0});
    });
    m.output("y");
    expect_error(m.bytes(), {"pool", "asymmetric", "count_include_pad=0"});
  }
  {
    OnnxMaker m;
    m.init("w", {4, 3, 3, 3});
    m.node("Conv", "conv", {"x", "w"}, {"y"}, [](auto* n) { iotest::string_attr(n, "auto_pad", "SAME"); });
    m.output("y");
    expect_error(m.bytes(), {"auto_pad=SAME"});
  }
  {
    OnnxMaker m;
    m.init("lo", {}, {0.0f});
    m.init("hi", {}, {1.0f});
    m.node("Clip", "clip", {"x", "lo", "hi"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"clip", "Clip(min=0, max=1)"});
  }
  {
    OnnxMaker m;
    m.init_int("shape", {3}, {0, 3, -1});
    m.node("Reshape", "reshape", {"x", "shape"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"reshape", "flatten"});
  }
  {
    OnnxMaker m;
    m.init_int("idx", {2}, {0, 1});
    m.node("Gather", "gather", {"x", "idx"}, {"y"}, [](auto* n) { int_attr(n, "axis", 1); });
    m.output("y");
    expect_error(m.bytes(), {"gather", "permutation"});
  }
  {
    OnnxMaker m;
    m.init("c", {8, 1}, {1, 2, 3, 4, 5, 6, 7, 8});  // varies along H: not a per-channel scale
    m.node("Mul", "scale", {"x", "c"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"scale", "constant of shape [8,1]"});
  }
  {
    OnnxMaker m;
    m.node("MaxPool", "pool", {"x"}, {"y", "idx"}, [](auto* n) { ints(n, "kernel_shape", {2, 2}); });
    m.node("Relu", "use_idx", {"idx"}, {"z"});
    m.output("y");
    expect_error(m.bytes(), {"pool", "output 1"});
  }
  {
    OnnxMaker m;
    m.node("LeakyRelu", "act", {"x"}, {"y"}, [](auto* n) { float_attr(n, "gamma", 2.0f); });
    m.output("y");
    expect_error(m.bytes(), {"act", "gamma"});
  }
}

TEST(OnnxMalformed, ModelLevelProblems) {
  {
    OnnxMaker m({3, 8, 8}, 9);
    m.node("Relu", "relu", {"x"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"opset 9", "11 to 17"});
  }
  {
    OnnxMaker m = conv_model();
    m.graph().mutable_output(0)->set_name("nowhere");
    expect_error(m.bytes(), {"nowhere", "not produced"});
  }
  {
    OnnxMaker m = conv_model();
    m.graph().mutable_initializer(0)->mutable_raw_data()->resize(10);
    expect_error(m.bytes(), {"initializer 'w'", "raw_data has 10 bytes"});
  }
  {
    OnnxMaker m = conv_model();
    auto* t = m.graph().mutable_initializer(0);
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    expect_error(m.bytes(), {"external"});
  }
  {
    OnnxMaker m = conv_model();
    m.graph().mutable_initializer(0)->set_data_type(onnx::TensorProto::FLOAT16);
    expect_error(m.bytes(), {"FLOAT16"});
  }
  {
    OnnxMaker m({3, 8, 8});
    m.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)->set_dim_param(
        "H");
    m.node("Relu", "relu", {"x"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"dynamic", "only the batch"});
  }
  {
    OnnxMaker m({3, 0, 8});  // a 0 dimension is not a dynamic one
    m.node("Relu", "relu", {"x"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"dimension 2 is 0", "at least 1"});
  }
  {
    OnnxMaker m = conv_model();
    m.graph().mutable_node(0)->set_input(1, "c");  // reads its own output: not topologically sorted
    expect_error(m.bytes(), {"conv", "'c'", "not defined"});
  }
  {
    OnnxMaker m = conv_model();
    m.graph().mutable_node(0)->set_domain("com.microsoft");
    expect_error(m.bytes(), {"com.microsoft"});
  }
}

// Random byte corruption of a valid model: the importer either succeeds or throws UserError;
// any other outcome (crash, internal error, other exception) fails. Under ASan this also checks
// that no corrupted length or index is read out of bounds.
TEST(OnnxMalformed, CorruptedBytesNeverCrash) {
  OnnxMaker m;
  m.init("w", {4, 3, 3, 3});
  m.init("s", {4}, {1, 2, 3, 4});
  m.init_int("shape", {2}, {0, -1});
  m.node("Conv", "conv", {"x", "w"}, {"c"}, [](auto* n) { ints(n, "pads", {1, 1, 1, 1}); });
  m.node("BatchNormalization", "bn", {"c", "s", "s", "s", "s"}, {"b"});
  m.node("GlobalAveragePool", "gap", {"b"}, {"g"});
  m.node("Reshape", "flat", {"g", "shape"}, {"y"});
  m.output("y");
  const std::string good = m.bytes();
  std::mt19937 rng(42);
  int errors = 0, ok = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] = static_cast<char>(rng() % 256);
    try {
      import_onnx_bytes(bad, "bad.onnx");
      ++ok;
    } catch (const UserError&) {
      ++errors;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "trial " << trial << ": unexpected exception " << e.what();
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_EQ(ok + errors, 400);
}

// Export patterns prunekit cannot map exactly are refused with the node and the reason.
TEST(OnnxMalformed, UnmappablePatternsAreRefusedClearly) {
  {
    OnnxMaker m;
    m.node("HardSigmoid", "hs", {"x"}, {"y"});  // ONNX's default alpha 0.2, not PyTorch's 1/6
    m.output("y");
    expect_error(m.bytes(), {"'hs'", "alpha=0.2", "1/6"});
  }
  {
    OnnxMaker m;
    m.node("ReduceMean", "rm", {"x"}, {"y"}, [](auto* n) { ints(n, "axes", {1}); });
    m.output("y");
    expect_error(m.bytes(), {"'rm'", "ReduceMean", "axes [1]", "spatial"});
  }
  {
    OnnxMaker m;
    m.node("Relu", "r", {"x"}, {"a"});
    m.node("Sub", "diff", {"x", "a"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"'diff'", "Sub of two tensors"});
  }
  {
    OnnxMaker m;
    m.init("k", {3}, {1, 2, 3});  // [3] broadcasts along W (8), not channels
    m.node("Mul", "scale", {"x", "k"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"'scale'", "[3]", "per channel"});
  }
  {
    OnnxMaker m;
    m.init("k", {}, {2});
    m.node("Div", "inv", {"k", "x"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"'inv'", "Div of a constant by a tensor"});
  }
  {
    OnnxMaker m;
    m.node("Softplus", "sp", {"x"}, {"y"});
    m.output("y");
    expect_error(m.bytes(), {"'sp'", "Softplus", "HardSwish"});  // the list of supported ops
  }
}

}  // namespace
}  // namespace pk
