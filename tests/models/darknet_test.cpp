// The Darknet detectors: published YOLOv3 size, output layout, removable blocks, input checks.
#include <gtest/gtest.h>

#include <string>

#include "analysis/residual_blocks.h"
#include "core/error.h"
#include "graph/cost.h"
#include "model_test_util.h"
#include "models/darknet.h"
#include "models/zoo.h"

namespace pk {
namespace {

ModelOptions detector_options(int size, int classes, double width = 1.0) {
  ModelOptions o;
  o.in_channels = 3;
  o.input_size = size;
  o.num_classes = classes;
  o.width = width;
  return o;
}

// Ultralytics' yolov3.yaml (the Darknet-53 YOLOv3 with BatchNorm) reports 61,949,149 parameters
// for 80 classes; Darknet's own cfg prints 65.879 BFLOPs at 416x416 (2 FLOPs per MAC, plus a
// small count for the shortcut adds and leaky activations, so the MACs are just under half).
TEST(Yolov3, PublishedParamsAndFlopsAt416) {
  const Graph g = build_yolov3(detector_options(416, 80));
  const auto cost = graph_cost(g);
  EXPECT_EQ(cost.params, 61949149);
  EXPECT_NEAR(static_cast<double>(cost.macs) * 2 / 1e9, 65.879, 0.7);
}

TEST(Yolov3, ThreeOutputsByIncreasingStrideAnd23RemovableBlocks) {
  const Graph g = build_yolov3(detector_options(416, 3));
  ASSERT_EQ(g.outputs(), (std::vector<std::string>{"output.stride8", "output.stride16", "output.stride32"}));
  for (const auto& [name, side] : {std::pair{"output.stride8", 52}, {"output.stride16", 26}, {"output.stride32", 13}})
    EXPECT_EQ(g.node(name).shape, (Shape{{24, side, side}})) << name;
  EXPECT_EQ(find_residual_blocks(g).size(), 23u);
  EXPECT_EQ(test::count_op(g, OpKind::kUpsample), 2);
  EXPECT_EQ(test::count_op(g, OpKind::kConcat), 2);
  EXPECT_EQ(test::count_op(g, OpKind::kLeakyReLU), test::count_op(g, OpKind::kBatchNorm2d));
}

TEST(YoloTiny, TwoOutputsAndSevenBlocks) {
  const Graph g = build_model("yolo-tiny", detector_options(96, 5));
  ASSERT_EQ(g.outputs(), (std::vector<std::string>{"output.stride16", "output.stride32"}));
  EXPECT_EQ(g.node("output.stride16").shape, (Shape{{30, 6, 6}}));
  EXPECT_EQ(g.node("output.stride32").shape, (Shape{{30, 3, 3}}));
  EXPECT_EQ(find_residual_blocks(g).size(), 7u);
  EXPECT_EQ(model_task("yolo-tiny"), ModelTask::kDetect);
  EXPECT_EQ(model_task("resnet20"), ModelTask::kClassify);
}

TEST(Yolov3, WidthScalesHiddenChannelsButNotTheOutputs) {
  const Graph g = build_yolov3(detector_options(64, 2, 0.25));
  EXPECT_EQ(g.node("stem.conv").shape.channels(), 8);
  EXPECT_EQ(g.node("stage5.down.conv").shape.channels(), 256);
  EXPECT_EQ(g.node("output.stride32").shape.channels(), 21);
}

TEST(Yolov3, InputSizeThatCannotJoinTheScalesNamesTheStride) {
  try {
    build_yolov3(detector_options(100, 3));  // 100 → 50, 25, 13: odd at stride 8
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("input_size 100"), std::string::npos) << msg;
    EXPECT_NE(msg.find("stride 8"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(build_yolov3(detector_options(96, 3)));
}

}  // namespace
}  // namespace pk
