// Sizes that cannot be counted are a UserError naming the node and the shape, never a wrapped
// negative number: a value or tensor holds at most kMaxElements = 2^61 − 1 elements (its float32
// bytes fit in int64), and MACs, params and their totals must fit in int64.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "support/expect_error.h"
#include "core/error.h"
#include "graph/builder.h"
#include "graph/cost.h"
#include "graph/text_format.h"

namespace pk {
namespace {

using testing::expect_user_error;

constexpr int64_t kG1 = 1'000'000'000, kG2 = 2'000'000'000, kG3 = 3'000'000'000;


TEST(SizeOverflow, HugeInputIsRefusedNamingNodeAndShape) {
  GraphBuilder b;
  expect_user_error([&] { b.input("image", Shape{{3, kG3, kG3}}); }, {"'image'", "3x3000000000x3000000000", "int64"});
  expect_user_error([&] { b.input("square", Shape{{1, kG3, kG3}}); }, {"'square'", "1x3000000000x3000000000"});
  EXPECT_FALSE(b.has("image"));
  EXPECT_FALSE(b.has("square"));
}

TEST(SizeOverflow, HugeInputInGraphTextIsRefused) {
  const std::string text = "# prunekit graph v1\ninput = Input() shape=3x3000000000x3000000000\noutput input\n";
  expect_user_error([&] { graph_from_text(text); }, {"'input'", "3x3000000000x3000000000", "int64"});
}

TEST(SizeOverflow, IntermediateShapesAreChecked) {
  {
    GraphBuilder b;
    auto x = b.input("x", Shape{{1, kG1, kG1}});
    expect_user_error([&] { b.upsample("up", x, 3); }, {"'up'", "1x3000000000x3000000000", "int64"});
    auto tall = b.input("tall", Shape{{1, 5 * kG1, 1}});
    expect_user_error([&] { b.upsample("up", tall, 2'000'000'000); }, {"'up'", "int64"});  // H·scale overflows
  }
  {
    GraphBuilder b;
    auto x = b.input("x", Shape{{int64_t{1} << 60, 1, 1}});
    expect_user_error([&] { b.concat("cat", {x, x, x, x, x, x, x, x}); }, {"'cat'", "int64"});
  }
}

TEST(SizeOverflow, ConvMacsOverflowIsRefusedNamingNodeAndShape) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, kG2, kG1}});
  b.output(b.conv("conv3x3", x, 1, 3, 1, 1));  // 2e18 outputs x 9 MACs each
  Graph g = b.build();
  expect_user_error([&] { graph_cost(g); }, {"'conv3x3'", "1x2000000000x1000000000", "MACs", "int64"});
}

TEST(SizeOverflow, TotalMacsOverflowIsRefusedNamingTheNode) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, kG2, kG1}});
  for (int i = 1; i <= 5; ++i) x = b.conv("c" + std::to_string(i), x, 1, 1);  // 2e18 MACs each: 5 do not fit
  b.output(x);
  Graph g = b.build();
  EXPECT_EQ(node_cost(g, 1).macs, kG2 * kG1);
  expect_user_error([&] { graph_cost(g); }, {"'c5'", "MACs", "int64"});
}

TEST(SizeOverflow, HugeWeightTensorIsRefused) {
  GraphBuilder b;
  auto x = b.input("features", Shape{{int64_t{1} << 60}});
  expect_user_error([&] { b.linear("fc", x, 4); }, {"'fc'", "weight", "int64"});
  EXPECT_FALSE(b.has("fc"));
}

TEST(SizeOverflow, LargeButRepresentableSizesStillWork) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, kG2, kG1}});
  b.output(b.flatten("flat", x));
  Graph g = b.build();
  EXPECT_EQ(g.node("flat").shape.numel(), kG2 * kG1);
  EXPECT_EQ(graph_cost(g).macs, 0);
}

}  // namespace
}  // namespace pk
