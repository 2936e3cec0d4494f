#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/builder.h"
#include "graph/cost.h"
#include "graph/text_format.h"

namespace pk {
namespace {

Graph small_residual() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto c1 = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 4, 3, 1, 1)));
  auto c2 = b.batch_norm("bn2", b.conv("conv2", c1, 4, 3, 1, 1));
  auto sc = b.conv("proj", x, 4, 1);
  auto s = b.relu("relu2", b.add("add", c2, sc));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", s)), 10));
  return b.build();
}

TEST(GraphBuilder, InfersShapes) {
  Graph g = small_residual();
  EXPECT_EQ(g.node("conv1").shape, (Shape{{4, 8, 8}}));
  EXPECT_EQ(g.node("pool").shape, (Shape{{4, 1, 1}}));
  EXPECT_EQ(g.node("flat").shape, (Shape{{4}}));
  EXPECT_EQ(g.node("fc").shape, (Shape{{10}}));
  EXPECT_EQ(g.consumers(g.index_of("input")).size(), 2u);
}

TEST(GraphBuilder, StridedConvAndPoolShapes) {
  GraphBuilder b;
  auto x = b.input("in", Shape{{3, 224, 224}});
  x = b.conv("c", x, 64, 7, 2, 3);
  EXPECT_EQ(b.shape(x), (Shape{{64, 112, 112}}));
  x = b.max_pool("p", x, 3, 2, 1);
  EXPECT_EQ(b.shape(x), (Shape{{64, 56, 56}}));
  x = b.max_pool("p2", x, 3, 2, 0, /*ceil_mode=*/true);
  EXPECT_EQ(b.shape(x), (Shape{{64, 28, 28}}));
}

TEST(GraphBuilder, RejectsBadChannelsWithNodeName) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{6, 8, 8}});
  try {
    b.conv("gconv", x, 8, 3, 1, 1, /*groups=*/4);
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("gconv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("divisible"), std::string::npos) << e.what();
  }
  auto a = b.conv("a", x, 4, 1);
  auto c = b.conv("c", x, 5, 1);
  EXPECT_THROW(b.add("sum", a, c), UserError);
  EXPECT_THROW(b.conv("a", x, 4, 1), UserError) << "duplicate name must be rejected";
  EXPECT_THROW(b.add(Node{"bad", OpKind::kAdd, {a}, {}, {}}), UserError);  // arity
  EXPECT_THROW(b.relu("r", "missing"), UserError);
  EXPECT_THROW(b.linear("fc", a, 3), UserError);  // needs a flat input
  EXPECT_THROW(b.add(Node{"bad attrs", OpKind::kReLU, {a}, {}, {}}), UserError);
  EXPECT_THROW(b.add(Node{"x2", OpKind::kConv2d, {a}, LinearAttrs{3, true}, {}}), UserError);
}

TEST(GraphBuilder, SeBroadcastMulAccepted) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{8, 4, 4}});
  auto s = b.sigmoid("s", b.conv("fc2", b.global_avg_pool("gap", x), 8, 1));
  auto m = b.mul("scale", x, s);
  EXPECT_EQ(b.shape(m), (Shape{{8, 4, 4}}));
}

TEST(GraphCost, CountsConvAndLinear) {
  Graph g = small_residual();
  GraphCost c = graph_cost(g);
  // conv1: 4*8*8 outputs * 3*9 = 6912; conv2: 256*36 = 9216; proj: 256*3 = 768; fc 40
  EXPECT_EQ(c.macs, 6912 + 9216 + 768 + 40);
  // params: conv1 108, bn1 8, conv2 144, bn2 8, proj 12, fc 50
  EXPECT_EQ(c.params, 108 + 8 + 144 + 8 + 12 + 50);
}

TEST(TextFormat, RoundTrips) {
  Graph g = small_residual();
  std::string text = graph_to_text(g);
  Graph back = graph_from_text(text);
  EXPECT_TRUE(back == g);
  EXPECT_EQ(graph_to_text(back), text);
}

TEST(TextFormat, ErrorsCarryLineNumbers) {
  std::string text = "input = Input() shape=1x8x8\nc = Conv2d(input) out=4 kernel=3x3 bogus=1\noutput c\n";
  try {
    graph_from_text(text, "t.txt");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("t.txt:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
  }
  EXPECT_THROW(graph_from_text("input = Input() shape=1x8x8\nr = Frobnicate(input)\noutput r\n"), UserError);
  EXPECT_THROW(graph_from_text("input = Input() shape=1x8x8\n"), UserError);
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

TEST(GraphBuilder, KernelLargerThanInputIsRejected) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{4, 1, 1}});
  EXPECT_THROW(b.max_pool("pool", x, 2, 2), UserError);
  EXPECT_THROW(b.conv("conv", x, 4, 2, 2), UserError);
  EXPECT_NO_THROW(b.conv("conv_padded", x, 4, 3, 1, 1));
}

}  // namespace
}  // namespace pk
