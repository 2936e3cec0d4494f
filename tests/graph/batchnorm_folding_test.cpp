#include <gtest/gtest.h>

#include "graph/batchnorm_folding.h"
#include "graph/builder.h"

namespace pk {
namespace {

// conv1 → bn1 (foldable); conv2 read by bn2 and the add (not foldable); relu → bn3 (no conv);
// conv4 → bn4, bn4 is a graph output (foldable: the output becomes conv4).
Graph mixed_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto a = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 4, 3, 1, 1)));
  auto c2 = b.conv("conv2", a, 4, 3, 1, 1);
  auto s = b.add("add", b.batch_norm("bn2", c2), c2);
  auto n3 = b.batch_norm("bn3", b.relu("relu3", s));
  b.output(b.batch_norm("bn4", b.conv("conv4", n3, 2, 1, 1, 0, 1, /*bias=*/true)));
  return b.build();
}

TEST(BatchNormFolding, FindsOnlyBatchNormsFedByAConvNobodyElseReads) {
  const auto folds = foldable_batchnorms(mixed_net());
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[0].conv, "conv1");
  EXPECT_EQ(folds[0].batch_norm, "bn1");
  EXPECT_EQ(folds[1].conv, "conv4");
  EXPECT_EQ(folds[1].batch_norm, "bn4");
}

TEST(BatchNormFolding, ConvThatIsAGraphOutputKeepsItsBatchNorm) {
  GraphBuilder b;
  auto c = b.conv("conv", b.input("input", Shape{{1, 4, 4}}), 2, 1);
  b.output(b.batch_norm("bn", c));
  b.output(c);
  EXPECT_TRUE(foldable_batchnorms(b.build()).empty());
}

TEST(BatchNormFolding, RewiresReadersAndOutputsAndAddsBiases) {
  const Graph g = mixed_net();
  const Graph f = fold_batchnorm_graph(g, foldable_batchnorms(g));
  EXPECT_EQ(f.size(), g.size() - 2);
  EXPECT_FALSE(f.has("bn1"));
  EXPECT_FALSE(f.has("bn4"));
  EXPECT_TRUE(f.has("bn2"));
  EXPECT_TRUE(f.has("bn3"));
  EXPECT_EQ(f.node("relu1").inputs, std::vector<std::string>{"conv1"});
  EXPECT_TRUE(f.node("conv1").attr<ConvAttrs>().bias);
  EXPECT_FALSE(f.node("conv2").attr<ConvAttrs>().bias);
  EXPECT_EQ(f.outputs(), std::vector<std::string>{"conv4"});
  for (const auto& n : f.nodes()) EXPECT_EQ(n.shape, g.node(n.name).shape) << n.name;
}

}  // namespace
}  // namespace pk
