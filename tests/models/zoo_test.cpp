// Properties every zoo model must have, and the registry's error handling.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "graph/cost.h"
#include "graph/text_format.h"
#include "model_test_util.h"
#include "models/zoo.h"

namespace pk {
namespace {

TEST(ModelZoo, ListsEveryFamilyWithDescriptions) {
  const auto names = known_models();
  for (const char* expected : {"resnet20", "resnet32", "resnet56", "resnet110", "resnet18", "vgg11", "vgg16",
                               "mobilenetv2", "densenet", "yolov3", "yolo-tiny"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const auto& name : names) EXPECT_GT(model_description(name).size(), 20u) << name;
}

struct Config {
  int in_channels;
  int input_size;
  int num_classes;
};

TEST(ModelZoo, EveryModelBuildsForGrayscale28AndColor32) {
  for (const auto& name : known_models()) {
    for (const Config& c : {Config{1, 28, 10}, Config{3, 32, 10}, Config{3, 32, 7}}) {
      SCOPED_TRACE(name + " " + std::to_string(c.in_channels) + "x" + std::to_string(c.input_size));
      ModelOptions o;
      o.in_channels = c.in_channels;
      o.input_size = c.input_size;
      o.num_classes = c.num_classes;
      Graph g = build_model(name, o);
      ASSERT_EQ(g.input_names(), std::vector<std::string>{"input"});
      EXPECT_EQ(g.node("input").shape, (Shape{{c.in_channels, c.input_size, c.input_size}}));
      if (model_task(name) == ModelTask::kClassify) {
        ASSERT_EQ(g.outputs().size(), 1u);
        const Node& out = g.node(g.outputs()[0]);
        EXPECT_EQ(out.op, OpKind::kLinear);
        EXPECT_EQ(out.shape, (Shape{{c.num_classes}}));
      } else {
        ASSERT_GE(g.outputs().size(), 2u);
        for (const auto& output : g.outputs()) {
          EXPECT_EQ(g.node(output).op, OpKind::kConv2d) << output;
          EXPECT_EQ(g.node(output).shape.channels(), 3 * (c.num_classes + 5)) << output;
        }
      }
      // Every node except the outputs is consumed: no dead branches.
      for (int i = 0; i < g.size(); ++i) {
        const auto& outputs = g.outputs();
        if (std::find(outputs.begin(), outputs.end(), g.node(i).name) == outputs.end()) {
          EXPECT_FALSE(g.consumers(i).empty()) << g.node(i).name;
        }
      }
      // The text format round-trips the whole model.
      EXPECT_TRUE(graph_from_text(graph_to_text(g), name) == g);
      const auto cost = graph_cost(g);
      EXPECT_GT(cost.macs, 0);
      EXPECT_GT(cost.params, 0);
    }
  }
}

TEST(ModelZoo, UnknownNameListsKnownNames) {
  try {
    build_model("resnet21", ModelOptions{});
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("resnet21"), std::string::npos) << msg;
    for (const auto& name : known_models()) EXPECT_NE(msg.find(name), std::string::npos) << msg;
  }
  EXPECT_THROW(model_description("nope"), UserError);
}

TEST(ModelZoo, RejectsBadOptionsNamingTheField) {
  ModelOptions o;
  o.input_size = 4;
  try {
    build_model("densenet", o);
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("input_size"), std::string::npos) << e.what();
  }
  o = ModelOptions{};
  o.width = 0;
  EXPECT_THROW(build_model("resnet20", o), UserError);
  o = ModelOptions{};
  o.num_classes = 0;
  EXPECT_THROW(build_model("vgg11", o), UserError);
  o = ModelOptions{};
  o.in_channels = 0;
  EXPECT_THROW(build_model("mobilenetv2", o), UserError);
}

TEST(ModelZoo, ChannelRoundingRules) {
  EXPECT_EQ(scale_channels(16, 0.5), 8);
  EXPECT_EQ(scale_channels(16, 0.75), 12);
  EXPECT_EQ(scale_channels(12, 0.01), 1);
  // torchvision _make_divisible values.
  EXPECT_EQ(make_divisible(32 * 1.0), 32);
  EXPECT_EQ(make_divisible(16 * 0.5), 8);
  EXPECT_EQ(make_divisible(24 * 0.75), 24);  // 18 → 16 would lose > 10%, bumped to 24
  EXPECT_EQ(make_divisible(32 * 1.4), 48);   // 44.8 → 48
  EXPECT_EQ(make_divisible(1280 * 1.4), 1792);
  EXPECT_EQ(make_divisible(3.0), 8);
}

}  // namespace
}  // namespace pk
