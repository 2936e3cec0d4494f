// The YOLO layout, anchor fitting, decoding and loss: hand-computed decodes and a loss that,
// minimised over free output maps, moves the decoded box onto the ground truth.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/darknet.h"
#include "train/yolo_loss.h"

namespace pk {
namespace {

Graph small_yolo(int classes) {
  ModelOptions o;
  o.input_size = 96;
  o.num_classes = classes;
  o.width = 0.125;
  return build_yolov3(o);
}

std::vector<std::vector<AnchorSize>> three_scales() {
  return {{{8, 8}, {12, 6}, {6, 12}}, {{20, 20}, {30, 15}, {15, 30}}, {{50, 50}, {70, 40}, {40, 70}}};
}

TEST(YoloLayout, ReadsStridesGridsAndClassesFromTheOutputs) {
  const YoloLayout l = yolo_layout(small_yolo(4), three_scales());
  EXPECT_EQ(l.num_classes, 4);
  ASSERT_EQ(l.scales.size(), 3u);
  EXPECT_EQ(l.scales[0].stride, 8);
  EXPECT_EQ(l.scales[0].grid_h, 12);
  EXPECT_EQ(l.scales[2].stride, 32);
  EXPECT_EQ(l.scales[2].grid_w, 3);
  EXPECT_EQ(yolo_output_counts(small_yolo(4), 4), (std::pair<int, int>{3, 3}));
  EXPECT_THROW(yolo_layout(small_yolo(4), {{{8, 8}, {1, 1}}, {{1, 1}, {1, 1}}, {{2, 2}, {1, 1}}}),
               UserError);  // 27 channels are not 2·(5+C)
  EXPECT_THROW(yolo_layout(small_yolo(4), {three_scales()[0], three_scales()[1]}), UserError);  // 2 sets, 3 outputs
  EXPECT_THROW(yolo_output_counts(small_yolo(4), 5), UserError);  // 27 channels are not A·10
  auto negative = three_scales();
  negative[1][2].width = -1;
  EXPECT_THROW(yolo_layout(small_yolo(4), negative), UserError);
}

TEST(YoloLayout, AnchorsFitClustersSmallestFirstAndRoundTripJson) {
  ImageObjects objects(1);
  for (int i = 0; i < 30; ++i) {
    const float jitter = static_cast<float>(i % 3);
    objects[0].push_back({0, Box{0, 0, 10 + jitter, 10 + jitter}});
    objects[0].push_back({0, Box{0, 0, 40 + jitter, 20 + jitter}});
    objects[0].push_back({0, Box{0, 0, 80 + jitter, 80 + jitter}});
  }
  const auto anchors = fit_anchors(objects, 3, 1, 7);
  ASSERT_EQ(anchors.size(), 3u);
  EXPECT_NEAR(anchors[0][0].width, 11, 0.01);
  EXPECT_NEAR(anchors[1][0].width, 41, 0.01);
  EXPECT_NEAR(anchors[1][0].height, 21, 0.01);
  EXPECT_NEAR(anchors[2][0].height, 81, 0.01);
  const auto back = anchors_from_json(anchors_to_json(anchors), "test");
  EXPECT_EQ(back[1][0].width, anchors[1][0].width);
  EXPECT_THROW(anchors_from_json(nlohmann::json::parse("[[[1, 0]]]"), "m.pkm"), UserError);
  EXPECT_THROW(fit_anchors(ImageObjects(2), 3, 3), UserError);
}

// All-zero logits: σ = 1/2, so the centre is the cell centre and the size the anchor's.
TEST(YoloDecode, ZeroLogitsGiveCellCentresAndAnchorSizes) {
  const YoloLayout l = yolo_layout(small_yolo(4), three_scales());
  const auto out = torch::zeros({2, 27, 6, 6});
  const DecodedScale d = decode_scale(out, l.scales[1], 4);
  ASSERT_EQ(d.boxes.sizes(), (std::vector<int64_t>{2, 3, 6, 6, 4}));
  // image 1, anchor 1 (30x15), row 2, col 5: centre ((5 + 0.5)·16, (2 + 0.5)·16) = (88, 40).
  const auto b = d.boxes[1][1][2][5];
  EXPECT_FLOAT_EQ(b[0].item<float>(), 88 - 15);
  EXPECT_FLOAT_EQ(b[1].item<float>(), 40 - 7.5f);
  EXPECT_FLOAT_EQ(b[2].item<float>(), 88 + 15);
  EXPECT_FLOAT_EQ(b[3].item<float>(), 40 + 7.5f);
  EXPECT_THROW(decode_scale(torch::zeros({1, 27, 5, 6}), l.scales[1], 4), UserError);
}

TEST(YoloLoss, MinimisingItPutsTheBestBoxOnTheTruth) {
  const YoloLayout l = yolo_layout(small_yolo(2), three_scales());
  std::vector<torch::Tensor> maps;
  for (const auto& s : l.scales) maps.push_back(torch::zeros({1, 21, s.grid_h, s.grid_w}, torch::requires_grad()));
  const ImageObjects truth = {{{1, Box{30, 20, 58, 46}}}};  // 28x26: the best anchor is (20, 20) at stride 16
  torch::optim::Adam opt(maps, torch::optim::AdamOptions(0.05));
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    const auto parts = yolo_loss(maps, truth, l);
    if (step == 0) {
      first = parts.total.item<double>();
      EXPECT_GT(parts.positives, 0);
    }
    last = parts.total.item<double>();
    parts.total.backward();
    opt.step();
  }
  EXPECT_LT(last, first / 5);
  torch::NoGradGuard ng;
  // The highest objectness × class-1 score of all cells decodes onto the truth.
  double best_score = -1;
  Box best_box;
  for (size_t s = 0; s < l.scales.size(); ++s) {
    const DecodedScale d = decode_scale(maps[s], l.scales[s], 2);
    const auto score = (d.raw.select(-1, 4).sigmoid() * d.raw.select(-1, 6).sigmoid()).flatten();
    const int64_t i = score.argmax().item<int64_t>();
    if (score[i].item<double>() > best_score) {
      best_score = score[i].item<double>();
      const auto b = d.boxes.reshape({-1, 4})[i];
      best_box = Box{b[0].item<float>(), b[1].item<float>(), b[2].item<float>(), b[3].item<float>()};
    }
  }
  EXPECT_GT(best_score, 0.5);
  EXPECT_GT(box_iou(best_box, truth[0][0].box), 0.9);
}

// Positives by shape IoU (corner-aligned) with the anchors of three_scales(), threshold 0.25:
//   50x50: (50,50) 1.0, (70,40) and (40,70) 2000/3300 = 0.61; stride 16's at most 450/2500 = 0.18 → 3.
//   14x14: (8,8) 64/196, (12,6) and (6,12) 72/196, (20,20) 196/400, (30,15) and (15,30) 196/450,
//          all ≥ 0.25; (50,50) 196/2500 → 6. With threshold 1 only the best anchor → 1.
TEST(YoloLoss, AssignsEveryAnchorAboveTheShapeIouThresholdAndAlwaysTheBest) {
  const YoloLayout l = yolo_layout(small_yolo(2), three_scales());
  std::vector<torch::Tensor> maps;
  for (const auto& s : l.scales) maps.push_back(torch::zeros({1, 21, s.grid_h, s.grid_w}));
  EXPECT_EQ(yolo_loss(maps, {{{0, Box{20, 20, 70, 70}}}}, l).positives, 3);
  EXPECT_EQ(yolo_loss(maps, {{{0, Box{40, 40, 54, 54}}}}, l).positives, 6);
  YoloLossOptions strict;
  strict.anchor_iou_threshold = 1.0;
  EXPECT_EQ(yolo_loss(maps, {{{0, Box{40, 40, 54, 54}}}}, l, strict).positives, 1);
  // Two objects with the same centre and size claim the same cells: counted once.
  EXPECT_EQ(yolo_loss(maps, {{{0, Box{20, 20, 70, 70}}, {1, Box{20, 20, 70, 70}}}}, l).positives, 3);
}

TEST(YoloLoss, RejectsOutOfRangeClassesAndMismatchedBatches) {
  const YoloLayout l = yolo_layout(small_yolo(2), three_scales());
  std::vector<torch::Tensor> maps;
  for (const auto& s : l.scales) maps.push_back(torch::zeros({1, 21, s.grid_h, s.grid_w}));
  EXPECT_THROW(yolo_loss(maps, {{{2, Box{0, 0, 5, 5}}}}, l), UserError);
  EXPECT_THROW(yolo_loss(maps, ImageObjects(2), l), UserError);
  EXPECT_NO_THROW(yolo_loss(maps, ImageObjects(1), l));  // no objects: objectness only
}

}  // namespace
}  // namespace pk
