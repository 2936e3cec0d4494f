// The equivalence oracle for group-convolution pruning: regrouping dense convs with random group
// counts and random block permutations gives exactly the original network with every regrouped
// weight masked to its blocks. Random regroups per architecture: 20 (unit), PK_ORACLE_PLANS
// (ctest `slow`: 500). Also: permutations are folded where the layout allows it (counted), and
// plans carry the permutations through plan_apply and JSON.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>

#include "../analysis/small_nets.h"
#include "oracle_util.h"
#include "core/error.h"
#include "exec/executor.h"
#include "models/zoo.h"
#include "plan/plan_json.h"
#include "prune/plan_apply.h"
#include "prune/regroup_convs.h"

namespace pk {
namespace {

std::vector<int> shuffled(int n, std::mt19937& rng) {
  std::vector<int> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}

/// Group counts > 1 that divide both channel counts.
std::vector<int> group_choices(int64_t filters, int64_t channels) {
  std::vector<int> out;
  for (int g = 2; g <= std::min(filters, channels); ++g)
    if (filters % g == 0 && channels % g == 0) out.push_back(g);
  return out;
}

/// Each dense conv with a choice is regrouped with probability ½, random G, random blocks.
std::map<std::string, ConvRegroup> random_regroups(const Graph& g, std::mt19937& rng) {
  std::map<std::string, ConvRegroup> out;
  for (int i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    if (n.op != OpKind::kConv2d || n.attr<ConvAttrs>().groups != 1) continue;
    const int64_t f = n.shape.channels();
    const int64_t c = g.node(g.input_indices(i)[0]).shape.channels();
    const auto choices = group_choices(f, c);
    if (choices.empty() || rng() % 2 == 0) continue;
    ConvRegroup r;
    r.groups = choices[rng() % choices.size()];
    r.blocks.filters = shuffled(static_cast<int>(f), rng);
    r.blocks.channels = shuffled(static_cast<int>(c), rng);
    out[n.name] = r;
  }
  return out;
}

/// The dense weights with W[f][c] zeroed unless filter f and channel c share a block.
WeightStore masked_weights(const Graph& g, const WeightStore& w, const std::map<std::string, ConvRegroup>& regroups) {
  WeightStore masked = w.clone();
  torch::NoGradGuard ng;
  for (const auto& [name, r] : regroups) {
    torch::Tensor weight = masked.get(name, "weight");
    const int64_t f = weight.size(0), c = weight.size(1);
    std::vector<int64_t> block_of_filter(f), block_of_channel(c);
    for (int64_t k = 0; k < f; ++k) block_of_filter[r.blocks.filters[k]] = k / (f / r.groups);
    for (int64_t k = 0; k < c; ++k) block_of_channel[r.blocks.channels[k]] = k / (c / r.groups);
    const torch::Tensor same_block =
        torch::tensor(block_of_filter).unsqueeze(1) == torch::tensor(block_of_channel).unsqueeze(0);  // [F, C]
    weight.mul_(same_block.to(weight.dtype()).unsqueeze(2).unsqueeze(3));
  }
  (void)g;
  return masked;
}

int count_permutes(const Graph& g) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(),
                                        [](const Node& n) { return n.op == OpKind::kChannelPermute; }));
}

void check_architecture(const std::string& label, const Graph& g, uint64_t seed) {
  const WeightStore w = test::oracle_weights(g, seed);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  const torch::Tensor x = test::oracle_input(g, seed);
  const int before = count_permutes(g);
  int regrouped = 0;
  for (int p = 0; p < test::oracle_draws(); ++p) {
    const auto regroups = random_regroups(g, rng);
    regrouped += !regroups.empty();
    const PrunedNetwork net = regroup_convs(g, w, regroups);
    for (const auto& [name, r] : regroups) ASSERT_EQ(net.graph.node(name).attr<ConvAttrs>().groups, r.groups);
    const torch::Tensor got = test::run_eval(net.graph, net.weights, x);
    const torch::Tensor expected = test::run_eval(g, masked_weights(g, w, regroups), x);
    ASSERT_EQ(got.sizes(), expected.sizes()) << label << " draw " << p;
    ASSERT_LT(test::relative_diff(got, expected), 1e-4) << label << " draw " << p << ": regrouped ≠ masked";
    const ChannelAnalysis a = analyze_channels(g);
    EXPECT_EQ(count_permutes(net.graph) - before, regroup_layout(g, a, regroups).permutes()) << label;
  }
  EXPECT_GT(regrouped, 0) << label << ": no draw regrouped anything; the oracle tested nothing";
}

/// A regrouped conv whose output is flattened into a Linear (the Linear's feature blocks follow
/// the conv's order).
Graph flatten_chain() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 2, 1)));  // 8x4x4
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 2, 1)));  // 8x2x2
  x = b.flatten("flat", x);                                                  // 32
  b.output(b.linear("fc", x, 10));
  return b.build();
}

TEST(RegroupEquivalence, EveryZooArchitecture) { test::for_each_zoo_model(check_architecture); }

TEST(RegroupEquivalence, SmallNetsWithEveryChannelRule) {
  check_architecture("chain", test::chain_net(), 11);
  check_architecture("residual", test::residual_net(), 12);
  check_architecture("projection", test::projection_net(), 13);
  check_architecture("concat", test::concat_net(), 14);
  check_architecture("depthwise", test::depthwise_net(), 15);
  check_architecture("group_conv_2", test::group_conv_net(2), 16);
  check_architecture("flatten_linear", flatten_chain(), 17);
  check_architecture("se", test::se_net(), 18);
  check_architecture("permute", test::permute_net(), 19);
  check_architecture("nested", test::nested_net(), 20);
  check_architecture("resnext", test::resnext_net(), 21);
}

/// conv0 → bn → relu → conv1 → bn → relu → conv2 → bn → relu → pool → fc, 8/16/16 filters.
Graph vgg_chain() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 1, 1)));
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 16, 3, 1, 1)));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 16, 3, 1, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

ConvRegroup random_blocks(int groups, int filters, int channels, std::mt19937& rng) {
  return ConvRegroup{groups, {shuffled(filters, rng), shuffled(channels, rng)}};
}

TEST(RegroupFolding, OneRegroupedConvBetweenDenseLayersNeedsNoPermute) {
  const Graph g = vgg_chain();
  std::mt19937 rng(3);
  const auto net = regroup_convs(g, test::oracle_weights(g, 3), {{"conv1", random_blocks(4, 16, 8, rng)}});
  EXPECT_EQ(count_permutes(net.graph), 0);
}

TEST(RegroupFolding, TwoRegroupedConvsInARowNeedOnePermuteBetweenThem) {
  const Graph g = vgg_chain();
  std::mt19937 rng(4);
  const auto net = regroup_convs(g, test::oracle_weights(g, 4),
                                 {{"conv1", random_blocks(4, 16, 8, rng)}, {"conv2", random_blocks(2, 16, 16, rng)}});
  EXPECT_EQ(count_permutes(net.graph), 1);
  EXPECT_TRUE(net.graph.has("conv2.permute_in"));
}

TEST(RegroupFolding, IdentityBlocksNeedNoPermuteEvenInARow) {
  const Graph g = vgg_chain();
  const auto net = regroup_convs(g, test::oracle_weights(g, 5), {{"conv1", ConvRegroup{4, {}}}, {"conv2", ConvRegroup{2, {}}}});
  EXPECT_EQ(count_permutes(net.graph), 0);
}

TEST(RegroupFolding, AResidualStreamTakesTheOrderOfOneWriter) {
  // resnet20 stage 1: the stream is written by layer1.*.conv2 and read by layer1.*.conv1; with
  // one regrouped writer the stream takes its order, the other members re-index for free.
  ModelOptions o;
  o.in_channels = 1;
  o.input_size = 8;
  const Graph g = build_model("resnet20", o);
  std::mt19937 rng(6);
  const auto one = regroup_convs(g, test::oracle_weights(g, 6), {{"layer1.1.conv2", random_blocks(4, 16, 16, rng)}});
  EXPECT_EQ(count_permutes(one.graph), 0);
  // A second conv on the same stream with other blocks cannot share its order.
  const auto two = regroup_convs(g, test::oracle_weights(g, 6), {{"layer1.1.conv2", random_blocks(4, 16, 16, rng)},
                                                          {"layer1.2.conv1", random_blocks(4, 16, 16, rng)}});
  EXPECT_EQ(count_permutes(two.graph), 1);
}

TEST(RegroupFolding, BlocksOfAGroupedConvAreNeverReordered) {
  // conv1 writes the input group of conv2 (groups = 4): with that group prunable in blocks, a
  // relabeling would mix conv2's blocks, so conv1's order must stay and conv1 gets a permute.
  const Graph g = test::resnext_net();
  const ChannelAnalysis a = analyze_channels(g);
  ASSERT_EQ(a.group("conv1").blocks, 4);
  std::mt19937 rng(11);
  const RegroupLayout layout = regroup_layout(g, a, {{"conv1", random_blocks(2, 16, 8, rng)}});
  const std::vector<int>& phys = layout.physical[g.index_of("conv1")];
  for (int k = 0; k < static_cast<int>(phys.size()); ++k) EXPECT_EQ(phys[k], k) << "conv2's input was reordered";
  EXPECT_FALSE(layout.convs.at(0).out_order.empty());
}

TEST(Regroup, RefusesWhatItCannotRegroup) {
  const Graph g = vgg_chain();
  const WeightStore w = test::oracle_weights(g, 7);
  EXPECT_THROW(regroup_convs(g, w, {{"nope", ConvRegroup{2, {}}}}), UserError);
  EXPECT_THROW(regroup_convs(g, w, {{"bn1", ConvRegroup{2, {}}}}), UserError);
  EXPECT_THROW(regroup_convs(g, w, {{"conv1", ConvRegroup{3, {}}}}), UserError);      // 3 ∤ 16
  EXPECT_THROW(regroup_convs(g, w, {{"conv1", ConvRegroup{2, {{0, 1}, {}}}}}), UserError);  // not 16 filters
  const Graph grouped = test::group_conv_net(2);
  EXPECT_THROW(regroup_convs(grouped, test::oracle_weights(grouped, 8), {{"gconv", ConvRegroup{4, {}}}}), UserError);
}

TEST(Regroup, PlanApplyRegroupsWithThePlansPermutationsAfterItsChannels) {
  ModelOptions o;
  o.in_channels = 1;
  o.input_size = 8;
  const Graph g = build_model("resnet20", o);
  const ChannelAnalysis a = analyze_channels(g);
  const WeightStore w = test::oracle_weights(g, 9);
  std::mt19937 rng(9);
  PrunePlan plan;
  plan.removed_blocks.push_back("layer2.1.add");
  const ConvRegroup r = random_blocks(8, 64, 64, rng);
  plan.conv_groups["layer3.1.conv1"] = r.groups;
  plan.conv_permutations["layer3.1.conv1"] = r.blocks;
  plan.conv_groups["layer2.1.conv1"] = 2;  // in the removed block: nothing to regroup
  const PrunePlan reread = plan_from_json(plan_to_json(plan));
  EXPECT_EQ(reread, plan);
  const PrunedNetwork got = plan_apply(g, w, a, reread);
  PrunePlan blocks_only;
  blocks_only.removed_blocks = plan.removed_blocks;
  const PrunedNetwork bypassed = plan_apply(g, w, a, blocks_only);
  const PrunedNetwork expected = regroup_convs(bypassed.graph, bypassed.weights, {{"layer3.1.conv1", r}});
  EXPECT_EQ(got.graph.node("layer3.1.conv1").attr<ConvAttrs>().groups, 8);
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::allclose(test::run_eval(got.graph, got.weights, x), test::run_eval(expected.graph, expected.weights, x)));
  EXPECT_TRUE(torch::allclose(test::run_eval(got.graph, got.weights, x),
                              test::run_eval(bypassed.graph, masked_weights(bypassed.graph, bypassed.weights, {{"layer3.1.conv1", r}}), x),
                              1e-4, 1e-5));
}

TEST(Regroup, PlanPermutationsAreValidated) {
  ModelOptions o;
  o.in_channels = 1;
  o.input_size = 8;
  const Graph g = build_model("resnet20", o);
  const ChannelAnalysis a = analyze_channels(g);
  const WeightStore w = test::oracle_weights(g, 10);
  std::mt19937 rng(10);
  PrunePlan not_listed;
  not_listed.conv_permutations["layer3.1.conv1"] = random_blocks(8, 64, 64, rng).blocks;
  EXPECT_THROW(plan_apply(g, w, a, not_listed), UserError);
  PrunePlan twice;
  twice.conv_groups["layer3.1.conv1"] = 8;
  twice.conv_permutations["layer3.1.conv1"] = {std::vector<int>(64, 0), shuffled(64, rng)};
  EXPECT_THROW(plan_apply(g, w, a, twice), UserError);
  PrunePlan pruned_too;
  pruned_too.keep_indices("layer3.0.conv1", shuffled(64, rng));
  pruned_too.groups["layer3.0.conv1"].indices.resize(32);
  pruned_too.groups["layer3.0.conv1"].count = 32;
  pruned_too.conv_groups["layer3.0.conv2"] = 8;
  pruned_too.conv_permutations["layer3.0.conv2"] = random_blocks(8, 64, 64, rng).blocks;
  EXPECT_THROW(plan_apply(g, w, a, pruned_too), UserError);
}

}  // namespace
}  // namespace pk
