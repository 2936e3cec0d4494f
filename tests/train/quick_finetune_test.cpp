#include "train/quick_finetune.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/builder.h"
#include "support/quadrants.h"
#include "train/evaluate.h"

namespace pk {
namespace {

Graph head_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.max_pool("pool", x, 4, 4, 0)), 4));
  return b.build();
}

TEST(QuickFinetune, HeadScopeTrainsOnlyTheHeadAndHelps) {
  const Graph g = head_net();
  const WeightStore w = WeightStore::initialize(g, 5);
  Executor net(g, w.clone());
  const DatasetSplits data = testing::quadrant_splits(512, 256, 8);
  const double before = evaluate(net, data.search, data.normalization).top1;
  QuickFinetuneOptions o;
  o.steps = 40;
  o.lr = 0.05;
  o.batch_size = 64;
  quick_finetune(net, data.train, data.normalization, o);
  const double after = evaluate(net, data.search, data.normalization).top1;
  EXPECT_GT(after, before + 0.2) << "before " << before;
  EXPECT_FALSE(net.training());
  for (const auto& [node, tensors] : w.all())
    for (const auto& [name, t] : tensors) {
      const bool same = torch::equal(net.weights().get(node, name), t);
      EXPECT_EQ(same, node != "fc") << node << "." << name;
    }
}

TEST(QuickFinetune, LabelFreeWithATeacherReadsNoLabel) {
  const Graph g = head_net();
  Executor teacher(g, WeightStore::initialize(g, 1));
  DatasetSplits data = testing::quadrant_splits(256, 0, 8);
  QuickFinetuneOptions o;
  o.steps = 5;
  o.scope = FinetuneScope::kAll;
  Executor a(g, WeightStore::initialize(g, 2)), b(g, WeightStore::initialize(g, 2));
  quick_finetune(a, data.train, data.normalization, o, &teacher);
  data.train.labels = torch::randint(0, 4, {256}, torch::kLong);
  quick_finetune(b, data.train, data.normalization, o, &teacher);
  for (const auto& [node, tensors] : a.weights().all())
    for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(t, b.weights().get(node, name))) << node << "." << name;
  EXPECT_FALSE(torch::equal(a.weights().get("conv1", "weight"), WeightStore::initialize(g, 2).get("conv1", "weight")));
}

TEST(QuickFinetune, ScopeNames) {
  EXPECT_EQ(finetune_scope_from_name("head"), FinetuneScope::kHead);
  EXPECT_EQ(finetune_scope_from_name("all"), FinetuneScope::kAll);
  EXPECT_THROW(finetune_scope_from_name("fc"), UserError);
}

}  // namespace
}  // namespace pk
