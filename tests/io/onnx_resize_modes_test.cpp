// ONNX Resize (nearest) import over every coordinate_transformation_mode × nearest_mode pair at
// scales 2 and 3, judged by ONNX Runtime: an accepted pair must give ONNX Runtime's output, a
// rejected one must fail with a message naming the node and the pair, and the accepted set must
// be exactly the pairs whose ONNX Runtime output is prunekit's upsampling (input pixel
// floor(d / scale), computed here by repeating each pixel `scale` times).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/onnx_model.h"
#include "io/onnx_resize_nearest.h"
#include "io_test_util.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using namespace pk::iotest;

constexpr int64_t kChannels = 2, kHeight = 4, kWidth = 5;

/// One Resize node "up" (opset 13) of the input [N, 2, 4, 5] by `scale`, with a whole-image roi
/// for tf_crop_and_resize.
std::string resize_model(const std::string& coord, const std::string& nearest, int scale) {
  OnnxMaker m({kChannels, kHeight, kWidth});
  const float s = static_cast<float>(scale);
  m.init("scales", {4}, {1.0f, 1.0f, s, s});
  std::string roi;
  if (coord == "tf_crop_and_resize") {
    m.init("roi", {8}, {0, 0, 0, 0, 1, 1, 1, 1});
    roi = "roi";
  }
  m.node("Resize", "up", {"x", roi, "scales"}, {"y"}, [&](auto* n) {
    string_attr(n, "mode", "nearest");
    string_attr(n, "coordinate_transformation_mode", coord);
    string_attr(n, "nearest_mode", nearest);
  });
  m.output("y");
  return m.bytes();
}

/// The pairs accepted on a 4x5 input, "coord+nearest" — worked out from the ONNX formulas with
/// output pixel d = scale·q + r (0 ≤ r < scale) that must read input pixel q:
///   half_pixel, pytorch_half_pixel: src = q + (2r + 1 − scale) / (2·scale), |offset| < ½ for
///     every r, so both round modes give q; floor (r = 0) and ceil (r = scale − 1) miss.
///   asymmetric: src = q + r/scale; floor gives q; at scale 2 the only offset is the tie ½,
///     which round_prefer_floor sends to q.
///   tf_half_pixel_for_nn: src = q + (r + ½)/scale ∈ (q, q + 1): floor only.
///   align_corners (and tf_crop_and_resize with the whole-image roi, the same formula):
///     src = d·(in − 1)/(scale·in − 1), offset (r·(in − 1) − (scale − 1)·q)/(scale·in − 1);
///     below ½ in size for every d iff (scale − 2)(in − 2) ≤ 0: rounding works at scale 2 for
///     any size, at scale 3 only for inputs of ≤ 2 pixels (not 4x5); floor and ceil miss.
std::set<std::string> expected_accepted(int scale) {
  std::set<std::string> pairs{"half_pixel+round_prefer_floor",         "half_pixel+round_prefer_ceil",
                              "pytorch_half_pixel+round_prefer_floor", "pytorch_half_pixel+round_prefer_ceil",
                              "asymmetric+floor",                      "tf_half_pixel_for_nn+floor"};
  if (scale == 2)
    pairs.insert({"asymmetric+round_prefer_floor", "align_corners+round_prefer_floor",
                  "align_corners+round_prefer_ceil", "tf_crop_and_resize+round_prefer_floor",
                  "tf_crop_and_resize+round_prefer_ceil"});
  return pairs;
}

/// The pairs after "the supported pairs here are: " in a rejection message, without the
/// " (whole-image roi)" note of tf_crop_and_resize.
std::set<std::string> listed_pairs(const std::string& message) {
  const std::string head = "the supported pairs here are: ", note = " (whole-image roi)";
  const size_t at = message.find(head);
  if (at == std::string::npos) return {};
  std::set<std::string> pairs;
  std::string list = message.substr(at + head.size()) + ", ";
  for (size_t from = 0, to; (to = list.find(", ", from)) != std::string::npos; from = to + 2) {
    std::string p = list.substr(from, to - from);
    if (p.size() > note.size() && p.compare(p.size() - note.size(), note.size(), note) == 0)
      p.resize(p.size() - note.size());
    pairs.insert(p);
  }
  return pairs;
}

struct Case {
  std::string coord, nearest;
  int scale = 2;
  std::string pair() const { return coord + "+" + nearest; }
};

TEST(OnnxResizeModes, AcceptedExactlyWhenOnnxRuntimeComputesPrunekitsUpsampling) {
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir = temp_dir();
  std::vector<Case> cases;
  std::vector<std::string> files;
  for (int scale : {2, 3})
    for (const auto& coord : onnx_resize_coordinate_modes())
      for (const auto& nearest : onnx_resize_nearest_modes()) {
        cases.push_back({coord, nearest, scale});
        files.push_back((dir / fmt::format("{}_{}_{}.onnx", coord, nearest, scale)).string());
        std::ofstream(files.back(), std::ios::binary) << resize_model(coord, nearest, scale);
      }
  ASSERT_EQ(cases.size(), 48u);
  // Distinct values, so a single wrong source pixel shows.
  const torch::Tensor x = torch::arange(2 * kChannels * kHeight * kWidth, torch::kFloat).view({2, kChannels, kHeight, kWidth});
  const std::vector<torch::Tensor> ort = run_ort(files, std::vector<torch::Tensor>(files.size(), x));
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const std::string label = fmt::format("{} at scale {}", c.pair(), c.scale);
    const bool expected = expected_accepted(c.scale).count(c.pair()) != 0;
    const torch::Tensor floor_upsample = x.repeat_interleave(c.scale, 2).repeat_interleave(c.scale, 3);
    ASSERT_EQ(ort[k].sizes(), floor_upsample.sizes()) << label;
    EXPECT_EQ(torch::equal(ort[k], floor_upsample), expected)
        << label << ": ONNX Runtime " << (expected ? "differs from" : "equals") << " floor(d / scale)";
    try {
      const ModelFile m = import_onnx(files[k]);
      EXPECT_TRUE(expected) << label << " was accepted";
      EXPECT_TRUE(torch::equal(run_executor(m.graph, m.weights, x), ort[k])) << label << ": output differs from ORT";
    } catch (const UserError& e) {
      const std::string msg = e.what();
      EXPECT_FALSE(expected) << label << " was rejected: " << msg;
      for (const std::string& part :
           {std::string("node 'up' (Resize)"),
            fmt::format("coordinate_transformation_mode={} with nearest_mode={}", c.coord, c.nearest),
            fmt::format("at scale {} on a 4x5 input; the supported pairs here are: ", c.scale)})
        EXPECT_NE(msg.find(part), std::string::npos) << label << ": " << msg;
      EXPECT_EQ(listed_pairs(msg), expected_accepted(c.scale)) << label << ": " << msg;
    }
  }
}

/// The UserError message of importing `bytes` ("" if they import).
std::string import_error(const std::string& bytes) {
  try {
    import_onnx_model(bytes, "m.onnx");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(OnnxResizeModes, UnknownModesAndCroppingRoisAreRejected) {
  OnnxMaker m({kChannels, kHeight, kWidth});
  m.init("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  m.init("roi", {8}, {0, 0, 0.25f, 0, 1, 1, 1, 1});
  onnx::NodeProto* n = m.node("Resize", "up", {"x", "roi", "scales"}, {"y"}, [&](auto* n) {
    string_attr(n, "mode", "nearest");
    string_attr(n, "coordinate_transformation_mode", "tf_crop_and_resize");
    string_attr(n, "nearest_mode", "round_prefer_floor");
  });
  m.output("y");
  // A roi from a quarter of the height down crops: other pixels than the upsampling's.
  EXPECT_NE(import_error(m.bytes()).find("tf_crop_and_resize with nearest_mode=round_prefer_floor reads other"),
            std::string::npos)
      << import_error(m.bytes());
  m.graph().mutable_initializer()->RemoveLast();  // the roi
  m.init("roi", {8}, {0, 0.5f, 0, 0, 1, 1, 1, 1});
  EXPECT_NE(import_error(m.bytes()).find("a roi that crops the batch or channel axis is not supported"),
            std::string::npos)
      << import_error(m.bytes());
  n->mutable_attribute(1)->set_s("half_pixel_symmetric");
  EXPECT_NE(import_error(m.bytes()).find("unknown coordinate_transformation_mode 'half_pixel_symmetric'; expected "
                                         "one of half_pixel, pytorch_half_pixel"),
            std::string::npos)
      << import_error(m.bytes());
  n->mutable_attribute(1)->set_s("asymmetric");
  n->mutable_attribute(2)->set_s("nearest");
  EXPECT_NE(import_error(m.bytes()).find("unknown nearest_mode 'nearest'; expected one of round_prefer_floor"),
            std::string::npos)
      << import_error(m.bytes());
}

}  // namespace
}  // namespace pk
