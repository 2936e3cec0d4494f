// Targeted checks of the channel rules on the small nets (the golden files show everything;
// these pin the facts the pruning engine relies on, with a message when one breaks).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "analysis/channel_analysis.h"
#include "graph/builder.h"
#include "core/error.h"
#include "small_nets.h"

namespace pk {
namespace {

int group_of(const ChannelAnalysis& a, const Graph& g, const std::string& node) {
  return a.value(g.index_of(node)).refs.at(0).group;
}

bool has_member(const ChannelGroup& grp, const ChannelAnalysis& a, const std::string& node, MemberRole role) {
  return std::any_of(grp.members.begin(), grp.members.end(),
                     [&](const GroupMember& m) { return a.node_name(m.node) == node && m.role == role; });
}

TEST(ChannelRules, ResidualAddTiesStemAndBranchOutput) {
  const Graph g = test::residual_net();
  const auto a = analyze_channels(g);
  EXPECT_EQ(group_of(a, g, "conv0"), group_of(a, g, "conv2"));
  EXPECT_NE(group_of(a, g, "conv0"), group_of(a, g, "conv1"));
  const auto& stream = a.group("conv0");
  EXPECT_TRUE(stream.prunable);
  EXPECT_TRUE(has_member(stream, a, "conv2", MemberRole::kProducer));
  EXPECT_TRUE(has_member(stream, a, "bn2", MemberRole::kSliced));
  EXPECT_TRUE(has_member(stream, a, "fc", MemberRole::kConsumer));
  ASSERT_EQ(a.removable_blocks().size(), 1u);
  const auto& blk = a.blocks()[a.removable_blocks()[0]];
  EXPECT_EQ(a.node_name(blk.entry), "relu0");
  EXPECT_EQ(blk.branch.size(), 5u);
}

TEST(ChannelRules, ProjectionShortcutIsNotRemovableButIsOneGroup) {
  const Graph g = test::projection_net();
  const auto a = analyze_channels(g);
  EXPECT_EQ(group_of(a, g, "conv2"), group_of(a, g, "proj"));
  EXPECT_TRUE(a.removable_blocks().empty());
  EXPECT_NE(a.blocks().at(0).reason.find("no identity shortcut"), std::string::npos) << a.blocks()[0].reason;
}

TEST(ChannelRules, InputAndOutputArePinned) {
  const Graph g = test::chain_net();
  const auto a = analyze_channels(g);
  EXPECT_FALSE(a.group("input").prunable);
  EXPECT_NE(a.group("input").reason.find("graph input 'input'"), std::string::npos);
  EXPECT_FALSE(a.group("fc").prunable);
  EXPECT_NE(a.group("fc").reason.find("graph output 'fc'"), std::string::npos);
  EXPECT_EQ(a.prunable_groups().size(), 2u);
}

// Softmax normalises over every entry of its input, so a Linear feeding one keeps all its outputs
// even when it is not the graph output.
TEST(ChannelRules, SoftmaxPinsItsInput) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu", b.conv("conv", x, 8, 3, 1, 1));
  x = b.linear("fc1", b.flatten("flat", b.global_avg_pool("pool", x)), 16);
  x = b.linear("fc2", b.relu("relu2", b.softmax("probs", x)), 4);
  b.output(b.softmax("out", x, /*log=*/true));
  const Graph g = b.build();
  const auto a = analyze_channels(g);
  EXPECT_FALSE(a.group("fc1").prunable);
  EXPECT_NE(a.group("fc1").reason.find("Softmax 'probs' normalises over all 16 entries"), std::string::npos)
      << a.group("fc1").reason;
  EXPECT_TRUE(a.group("conv").prunable) << a.group("conv").reason;
  EXPECT_EQ(g.node("out").shape, (Shape{{4}}));
}

// LayerNorm's mean and variance run over the channels, so removing one changes every other's
// output: the residual stream a ConvNeXt block normalises keeps all its channels, while the
// channels of its MLP (a GELU between two 1x1 convs) stay prunable.
TEST(ChannelRules, LayerNormPinsItsChannelsAndGeluPassesThem) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto stem = b.conv("stem", x, 8, 2, 2);
  auto normed = b.layer_norm("norm", b.conv("dw", stem, 8, 3, 1, 1, /*groups=*/8));
  auto mlp = b.conv("fc2", b.gelu("act", b.conv("fc1", normed, 32, 1)), 8, 1);
  auto f = b.flatten("flat", b.global_avg_pool("pool", b.add("res", stem, mlp)));
  b.output(b.linear("head", b.layer_norm("head.norm", f), 4));
  const Graph g = b.build();
  const auto a = analyze_channels(g);
  EXPECT_FALSE(a.group("stem").prunable);
  EXPECT_NE(a.group("stem").reason.find("LayerNorm 'norm' normalises over all 8 channels"), std::string::npos)
      << a.group("stem").reason;
  EXPECT_TRUE(a.group("fc1").prunable) << a.group("fc1").reason;
  EXPECT_EQ(a.group("fc1").size, 32);
  // The LayerNorm's weight and bias are members of the group it reads, sliced like a BatchNorm's.
  const auto& members = a.group("stem").members;
  EXPECT_TRUE(std::any_of(members.begin(), members.end(), [&](const GroupMember& m) {
    return m.node == g.index_of("norm") && m.role == MemberRole::kSliced;
  }));
}

TEST(ChannelRules, ConcatKeepsSegmentsWithOffsets) {
  const Graph g = test::concat_net();
  const auto a = analyze_channels(g);
  const auto& v = a.value(g.index_of("cat2"));  // conv0(6) | conv1(4) | conv2(5) | conv2(5)
  ASSERT_EQ(v.refs.size(), 20u);
  EXPECT_EQ(a.group(v.refs[7].group).name, "conv1");
  EXPECT_EQ(v.refs[7].index, 1);
  EXPECT_EQ(a.group(v.refs[17].group).name, "conv2");
  EXPECT_EQ(v.refs[17].index, 2);
  // conv2 occurs twice in trans's input: two consumer entries at offsets 10 and 15.
  std::vector<int> offsets;
  for (const auto& m : a.group("conv2").members)
    if (m.role == MemberRole::kConsumer) offsets.push_back(m.offset());
  EXPECT_EQ(offsets, (std::vector<int>{10, 15}));
  const auto occ = v.groups;
  ASSERT_EQ(occ.size(), 3u);
  EXPECT_EQ(occ[2].times, 2);
  EXPECT_EQ(a.value_size(g.index_of("cat2"), {3, 6, 4, 5, 7, 10}), 6 + 4 + 2 * 5);
  EXPECT_EQ(a.value_size(g.index_of("cat2"), {3, 2, 1, 3, 7, 10}), 2 + 1 + 2 * 3);
}

TEST(ChannelRules, DepthwiseConvPassesItsChannelsThrough) {
  const Graph g = test::depthwise_net();
  const auto a = analyze_channels(g);
  EXPECT_EQ(group_of(a, g, "dw"), group_of(a, g, "expand"));
  EXPECT_TRUE(has_member(a.group("expand"), a, "dw", MemberRole::kSliced));
  EXPECT_TRUE(a.group("expand").prunable);
  EXPECT_EQ(group_of(a, g, "project"), group_of(a, g, "stem"));  // tied by the Add
}

TEST(ChannelRules, GroupedConvPinsBothSidesWithoutBlocks) {
  AnalysisOptions pin_grouped;
  pin_grouped.grouped_conv_blocks = false;
  for (int groups : {2, 4}) {
    const Graph g = test::group_conv_net(groups);
    const auto a = analyze_channels(g, pin_grouped);
    for (const char* name : {"conv0", "gconv"}) {
      EXPECT_FALSE(a.group(name).prunable) << name;
      EXPECT_NE(a.group(name).reason.find("grouped conv 'gconv' (groups=" + std::to_string(groups)),
                std::string::npos)
          << a.group(name).reason;
    }
    EXPECT_TRUE(a.group("conv2").prunable);
  }
}

const AnalysisOptions kBlocks;  // the default: grouped convs pruned in equal blocks

TEST(ChannelRules, GroupedConvBlocksAreTheDefault) {
  const auto a = analyze_channels(test::group_conv_net(4));  // no options: what every command uses
  EXPECT_TRUE(a.group("conv0").prunable) << a.group("conv0").reason;
  EXPECT_EQ(a.group("gconv").blocks, 4);
}

TEST(ChannelRules, GroupedConvBlocksBothSides) {
  for (int groups : {2, 4}) {
    const Graph g = test::group_conv_net(groups);  // gconv: 8 -> 16 channels
    const auto a = analyze_channels(g, kBlocks);
    const auto& in = a.group("conv0");
    const auto& out = a.group("gconv");
    EXPECT_TRUE(in.prunable) << in.reason;
    EXPECT_TRUE(out.prunable) << out.reason;
    EXPECT_EQ(in.blocks, groups);
    EXPECT_EQ(out.blocks, groups);
    ASSERT_EQ(in.block_of.size(), 8u);
    ASSERT_EQ(out.block_of.size(), 16u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(in.block_of[i], i / (8 / groups)) << i;
    for (int i = 0; i < 16; ++i) EXPECT_EQ(out.block_of[i], i / (16 / groups)) << i;
    EXPECT_TRUE(has_member(in, a, "gconv", MemberRole::kConsumer));
    EXPECT_TRUE(has_member(out, a, "gconv", MemberRole::kProducer));
    EXPECT_EQ(a.group("conv2").blocks, 1);
    EXPECT_TRUE(a.group("conv2").block_of.empty());
  }
}

TEST(ChannelRules, ResNeXtBottleneckBlocksTheGroupedConvOnly) {
  const Graph g = test::resnext_net();
  const auto a = analyze_channels(g, kBlocks);
  EXPECT_TRUE(a.group("conv1").prunable);
  EXPECT_EQ(a.group("conv1").blocks, 4);
  EXPECT_TRUE(a.group("conv2").prunable);
  EXPECT_EQ(a.group("conv2").blocks, 4);
  EXPECT_TRUE(a.group("stem").prunable);  // stream tied by the Add: ordinary
  EXPECT_EQ(a.group("stem").blocks, 1);
  EXPECT_EQ(a.removable_blocks().size(), 1u);
}

TEST(ChannelRules, GroupedConvsImposingDifferentBlocksPin) {
  const Graph g = test::two_groupings_net();
  const auto a = analyze_channels(g, kBlocks);
  for (const char* name : {"conv0", "gconv_a"}) {
    const auto& grp = a.group(name);
    EXPECT_FALSE(grp.prunable) << name;
    EXPECT_EQ(grp.blocks, 1) << name;
    EXPECT_NE(grp.reason.find("blocks differ from the"), std::string::npos) << grp.reason;
  }
  EXPECT_NE(a.group("conv0").reason.find("grouped conv 'gconv_b' (groups=4, 8 -> 8 channels): its 4 blocks differ "
                                         "from the 2 blocks another grouped conv imposes on group 'conv0'"),
            std::string::npos)
      << a.group("conv0").reason;
  EXPECT_EQ(group_of(a, g, "gconv_b"), group_of(a, g, "gconv_a"));  // tied by the Add
}

TEST(ChannelRules, GroupedConvReadingAConcatPins) {
  const Graph g = test::concat_group_conv_net();
  const auto a = analyze_channels(g, kBlocks);
  for (const char* name : {"conv_p", "conv_q"}) {
    EXPECT_FALSE(a.group(name).prunable) << name;
    EXPECT_NE(a.group(name).reason.find("grouped conv 'gconv' (groups=2, 8 -> 8 channels): its input holds 2 channel "
                                        "groups, so its blocks would straddle groups"),
              std::string::npos)
        << a.group(name).reason;
  }
  EXPECT_TRUE(a.group("gconv").prunable);  // its output is one group
  EXPECT_EQ(a.group("gconv").blocks, 2);
}

TEST(ChannelRules, ChannelMultiplierConvPinsItsInputs) {
  GraphBuilder b;  // groups = in = 4, 8 filters: one input channel per block
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.conv("conv0", x, 4, 3, 1, 1));
  x = b.relu("relu1", b.conv("mult", x, 8, 3, 1, 1, /*groups=*/4));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  const Graph g = b.build();
  const auto a = analyze_channels(g, kBlocks);
  EXPECT_FALSE(a.group("conv0").prunable);
  EXPECT_NE(a.group("conv0").reason.find("one input channel per group"), std::string::npos) << a.group("conv0").reason;
  EXPECT_TRUE(a.group("mult").prunable);
  EXPECT_EQ(a.group("mult").blocks, 4);
}

TEST(ChannelRules, FlattenExpandsChannelsIntoFeatureBlocks) {
  const Graph g = test::flatten_net();
  const auto a = analyze_channels(g);
  const auto& flat = a.value(g.index_of("flat"));
  EXPECT_EQ(flat.spatial, 16);
  EXPECT_EQ(flat.refs.size(), 5u);
  const GroupMember* fc1 = nullptr;
  for (const auto& m : a.group("conv0").members)
    if (a.node_name(m.node) == "fc1") fc1 = &m;
  ASSERT_NE(fc1, nullptr);
  EXPECT_EQ(fc1->spatial, 16);
  EXPECT_EQ(fc1->offset(), 0);
  EXPECT_TRUE(a.group("fc1").prunable);  // hidden Linear features can be pruned
  EXPECT_EQ(a.value_size(g.index_of("flat"), {3, 2, 12, 10}), 32);
}

TEST(ChannelRules, SqueezeExcitationMulTiesTheGate) {
  const Graph g = test::se_net();
  const auto a = analyze_channels(g);
  EXPECT_EQ(group_of(a, g, "se_expand"), group_of(a, g, "conv1"));
  EXPECT_EQ(group_of(a, g, "conv1"), group_of(a, g, "conv0"));
  EXPECT_TRUE(a.group("se_reduce").prunable);
  EXPECT_TRUE(has_member(a.group("conv0"), a, "se_reduce", MemberRole::kConsumer));
}

TEST(ChannelRules, PermutationRelatesProducersChannelByChannel) {
  const Graph g = test::permute_net();
  const auto a = analyze_channels(g);
  const auto& perm = a.value(g.index_of("perm"));
  const auto& conv_b = a.value(g.index_of("conv_b"));
  ASSERT_EQ(perm.refs.size(), conv_b.refs.size());
  for (size_t c = 0; c < perm.refs.size(); ++c) EXPECT_EQ(perm.refs[c], conv_b.refs[c]) << c;
  EXPECT_EQ(perm.refs[0].index, 2);  // order {2,0,3,1}
  EXPECT_TRUE(a.group("conv_a").prunable);
}

const GroupMember& producer(const ChannelGroup& grp, const ChannelAnalysis& a, const std::string& node) {
  for (const auto& m : grp.members)
    if (a.node_name(m.node) == node && m.role == MemberRole::kProducer) return m;
  ADD_FAILURE() << "group " << grp.name << " has no producer " << node;
  return grp.members.at(0);
}

TEST(ChannelRules, ChannelSliceSplitsItsProducerIntoPieces) {
  const Graph g = test::sliced_net();
  const auto a = analyze_channels(g);
  EXPECT_EQ(a.group_index("c"), -1) << "the conv's channels go two ways: two groups, no whole one";
  const auto& lo = a.group("c#0");
  const auto& hi = a.group("c#1");
  EXPECT_EQ(lo.size, 3);
  EXPECT_EQ(hi.size, 5);
  EXPECT_TRUE(lo.prunable && hi.prunable) << lo.reason << hi.reason;
  EXPECT_EQ(producer(hi, a, "c").channels, (std::vector<int>{3, 4, 5, 6, 7}));
  EXPECT_TRUE(has_member(lo, a, "a", MemberRole::kConsumer));
  EXPECT_FALSE(has_member(lo, a, "b", MemberRole::kConsumer));
  EXPECT_EQ(group_of(a, g, "hi"), hi.id);
  try {
    a.group("c");
    ADD_FAILURE() << "group 'c' was found";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'c#0'"), std::string::npos) << e.what();
  }
}

// ShuffleNetV2: concat(p, q) interleaved, then split in halves: each half holds half of p and
// half of q, so p and q each become two groups, of non-contiguous rows after the interleave.
TEST(ChannelRules, ChannelSliceAfterAShuffleCutsEveryProducer) {
  GraphBuilder b;
  b.input("x", Shape{{3, 8, 8}});
  b.conv("p", "x", 4, 1);
  b.conv("q", "x", 4, 1);
  b.concat("cat", {"p", "q"});
  b.channel_permute("shuffle", "cat", {0, 4, 1, 5, 2, 6, 3, 7});
  b.channel_slice("left", "shuffle", 0, 4);
  b.channel_slice("right", "shuffle", 4, 8);
  b.conv("u", "left", 6, 1);
  b.conv("v", "right", 6, 1);
  b.add("sum", "u", "v");
  b.output("sum");
  const Graph g = b.build();
  const auto a = analyze_channels(g);
  EXPECT_EQ(producer(a.group("p#0"), a, "p").channels, (std::vector<int>{0, 1}));
  EXPECT_EQ(producer(a.group("p#1"), a, "p").channels, (std::vector<int>{2, 3}));
  EXPECT_EQ(producer(a.group("q#1"), a, "q").channels, (std::vector<int>{2, 3}));
  const ValueChannels& left = a.value(g.index_of("left"));
  ASSERT_EQ(left.groups.size(), 2u);
  EXPECT_EQ(a.group(left.groups[0].group).name, "p#0");
  EXPECT_EQ(a.group(left.groups[1].group).name, "q#0");
  EXPECT_TRUE(a.group("p#1").prunable);
}

TEST(ChannelRules, MisalignedAddPinsEverythingInvolved) {
  const Graph g = test::mismatch_net();
  const auto a = analyze_channels(g);
  for (const char* name : {"conv_p", "conv_q", "conv_r"}) {
    EXPECT_FALSE(a.group(name).prunable) << name;
    EXPECT_NE(a.group(name).reason.find("do not line up"), std::string::npos);
  }
  EXPECT_TRUE(a.group("conv_s").prunable);
}

TEST(ChannelRules, UnknownGroupNamesTheGroupOfANode) {
  const Graph g = test::residual_net();
  const auto a = analyze_channels(g);
  try {
    a.group("conv2");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'conv2' belongs to group 'conv0' (as producer)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(a.group("nope"), UserError);
  EXPECT_EQ(a.group_index("nope"), -1);
}

TEST(ChannelRules, CheckGraphRejectsAnotherGraph) {
  const auto a = analyze_channels(test::residual_net());
  EXPECT_NO_THROW(a.check_graph(test::residual_net()));
  EXPECT_THROW(a.check_graph(test::chain_net()), UserError);
}

}  // namespace
}  // namespace pk
