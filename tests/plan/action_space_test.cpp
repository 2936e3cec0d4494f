// ActionSpace: numbers → always-valid plans, rounding, minimum widths, budget projection.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <string>

#include "../analysis/small_nets.h"
#include "core/error.h"
#include "models/zoo.h"
#include "plan/action_space.h"
#include "plan/validate_plan.h"

namespace pk {
namespace {

PruneAction random_action(const ActionSpace& space, std::mt19937& rng, double lo = 0.0, double hi = 1.0) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::bernoulli_distribution bit(0.3);
  PruneAction a;
  for (int d = 0; d < space.num_groups(); ++d) a.ratios.push_back(u(rng));
  for (int b = 0; b < space.num_blocks(); ++b) a.remove.push_back(bit(rng));
  return a;
}

TEST(ActionSpace, GroupedConvGroupsKeepMultiplesOfTheirBlocks) {
  const Graph g = test::resnext_net();  // conv1 and conv2 groups: 16 channels in 4 blocks
  const auto a = analyze_channels(g);
  ASSERT_EQ(a.group("conv1").blocks, 4);
  for (int round_to : {1, 2, 8}) {
    ActionSpaceOptions o;
    o.round_to = round_to;
    const ActionSpace space(g, a, o);
    for (int d = 0; d < space.num_groups(); ++d) {
      const auto& dec = space.groups()[d];
      const int blocks = a.group(dec.group).blocks;
      EXPECT_EQ(dec.multiple, std::lcm(round_to, blocks)) << dec.name;
      EXPECT_GE(dec.min_keep, std::min(dec.size, dec.multiple)) << dec.name;
      int last = dec.size;
      for (double r = 0; r <= 1.0; r += 0.01) {
        const int k = space.keep_count(d, r);
        EXPECT_TRUE(k == dec.size || k % dec.multiple == 0) << dec.name << " ratio " << r << " keeps " << k;
        EXPECT_EQ(k % blocks, 0) << dec.name;
        EXPECT_LE(k, last) << dec.name;  // monotone
        last = k;
      }
      if (blocks > 1) {
        EXPECT_EQ(space.keep_count(d, 1.0), std::max(blocks, std::min(dec.size, dec.multiple)));
      }
    }
    std::mt19937 rng(round_to);
    for (int t = 0; t < 50; ++t) {
      Budget budget;
      budget.metric = BudgetMetric::kMacs;
      budget.fraction = true;
      budget.target = 0.5;
      const DecodedAction out = space.decode(random_action(space, rng), budget);
      EXPECT_NO_THROW(validate_plan(g, a, out.plan));
      EXPECT_TRUE(out.budget_met);
      EXPECT_LE(static_cast<double>(out.cost.macs), 0.5 * static_cast<double>(space.original_cost().macs) + 1e-9);
    }
  }
}

TEST(ActionSpace, ResNet20Decisions) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const ActionSpace space(g, analyze_channels(g));
  EXPECT_EQ(space.num_groups(), 12);
  EXPECT_EQ(space.num_blocks(), 7);
  // The inner conv1 group of each removable block lives inside it; streams and the inner groups
  // of the projection blocks do not.
  const std::set<std::string> inside = {"layer1.0.conv1", "layer1.1.conv1", "layer1.2.conv1", "layer2.1.conv1",
                                        "layer2.2.conv1", "layer3.1.conv1", "layer3.2.conv1"};
  for (const auto& d : space.groups()) {
    EXPECT_EQ(d.inside_blocks.size(), inside.count(d.name)) << d.name;
  }
}

TEST(ActionSpace, KeepCountRounding) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const auto a = analyze_channels(g);
  ActionSpaceOptions o;
  o.round_to = 8;
  const ActionSpace space(g, a, o);
  int stage3 = -1;  // a 64-channel group
  for (int d = 0; d < space.num_groups(); ++d)
    if (space.groups()[d].name == "layer3.0.conv2") stage3 = d;
  ASSERT_GE(stage3, 0);
  EXPECT_EQ(space.keep_count(stage3, 0.0), 64);
  EXPECT_EQ(space.keep_count(stage3, 0.05), 64);   // 60.8 → 64
  EXPECT_EQ(space.keep_count(stage3, 0.5), 32);
  EXPECT_EQ(space.keep_count(stage3, 0.55), 32);   // 28.8 → 32 (nearest)
  EXPECT_EQ(space.keep_count(stage3, 0.99), 8);    // at least one multiple of 8
  EXPECT_EQ(space.keep_count(stage3, 1.0), 8);
  EXPECT_EQ(space.keep_count(stage3, -3.0), 64);
  // Monotone in the ratio for every group.
  for (int d = 0; d < space.num_groups(); ++d) {
    int prev = space.keep_count(d, 0.0);
    for (double r = 0.0; r <= 1.0; r += 0.001) {
      const int k = space.keep_count(d, r);
      ASSERT_LE(k, prev);
      prev = k;
    }
  }
}

TEST(ActionSpace, SizeNotAMultipleOfRoundTo) {
  const Graph g = test::depthwise_net();  // groups stem (8), expand (24)
  ActionSpaceOptions o;
  o.round_to = 16;
  const ActionSpace space(g, analyze_channels(g), o);
  ASSERT_EQ(space.num_groups(), 2);
  EXPECT_EQ(space.keep_count(0, 0.3), 8);   // stem: 8 < 16: only its full size
  EXPECT_EQ(space.keep_count(1, 0.3), 16);  // expand: 16.8 → 16
  EXPECT_EQ(space.keep_count(1, 0.1), 24);  // 21.6 → 24 (full) rather than 16
  EXPECT_EQ(space.keep_count(1, 0.9), 16);  // min width rounds up to 16
}

// 10^4 random actions (ratios partly outside [0, 1], random block bits, random budgets, several
// option sets) on five architectures: every decoded plan passes validate_plan, counts are
// multiples of round_to or the full size and at least the minimum, and the reported cost is the
// plan's cost. A met budget is never exceeded.
TEST(ActionSpace, TenThousandRandomActionsDecodeToValidPlans) {
  const char* models[] = {"resnet20", "resnet56", "mobilenetv2", "densenet", "vgg11"};
  std::mt19937 rng(20240601);
  int decoded = 0;
  for (const char* model : models) {
    const Graph g = build_model(model, ModelOptions{});
    const auto a = analyze_channels(g);
    for (int variant = 0; variant < 4; ++variant) {
      ActionSpaceOptions o;
      o.round_to = variant % 2 == 0 ? 1 : 8;
      o.min_keep_fraction = variant >= 2 ? 0.1 : 0.0;
      o.max_ratio = variant == 3 ? 0.9 : 1.0;
      const ActionSpace space(g, a, o);
      for (int t = 0; t < 500; ++t) {
        const PruneAction act = random_action(space, rng, -0.2, 1.2);
        Budget budget;
        if (t % 2 == 1) {
          budget.metric = t % 4 == 1 ? BudgetMetric::kMacs : BudgetMetric::kParams;
          budget.target = std::uniform_real_distribution<double>(0.05, 1.0)(rng);
          budget.fill = t % 8 != 3;
        }
        const DecodedAction d = space.decode(act, budget);
        ++decoded;
        const auto problems = plan_problems(g, a, d.plan);
        ASSERT_TRUE(problems.empty()) << model << ": " << problems.front();
        for (int k = 0; k < space.num_groups(); ++k) {
          const auto& grp = space.groups()[k];
          ASSERT_TRUE(d.kept[k] == grp.size || d.kept[k] % o.round_to == 0) << model << " " << grp.name;
          ASSERT_GE(d.kept[k], std::min(grp.size, std::max(1, static_cast<int>(std::ceil(o.min_keep_fraction * grp.size)))));
          ASSERT_LE(d.kept[k], grp.size);
          ASSERT_GE(d.ratios[k], 0.0);
          ASSERT_LE(d.ratios[k], o.max_ratio + 1e-12);
        }
        const NodeCost c = plan_cost(g, a, d.plan);
        ASSERT_EQ(c.macs, d.cost.macs);
        ASSERT_EQ(c.params, d.cost.params);
        if (budget.metric != BudgetMetric::kNone && d.budget_met) {
          const NodeCost orig = space.original_cost();
          const double whole = budget.metric == BudgetMetric::kMacs ? orig.macs : orig.params;
          const double got = budget.metric == BudgetMetric::kMacs ? c.macs : c.params;
          ASSERT_LE(got, budget.target * whole) << model;
        }
      }
    }
  }
  EXPECT_EQ(decoded, 10000);
}

// The budget projection lands on the target from below, within a few percent, from random
// starting ratios, for MACs targets 0.25 / 0.5 / 0.75.
TEST(ActionSpace, BudgetProjectionMeetsMacsTargets) {
  for (const char* model : {"resnet20", "resnet56", "mobilenetv2"}) {
    const Graph g = build_model(model, ModelOptions{});
    const auto a = analyze_channels(g);
    const ActionSpace space(g, a);
    const double orig = static_cast<double>(space.original_cost().macs);
    std::mt19937 rng(7);
    for (double target : {0.25, 0.5, 0.75}) {
      for (int t = 0; t < 10; ++t) {
        PruneAction act = random_action(space, rng);
        act.remove.clear();
        Budget budget;
        budget.metric = BudgetMetric::kMacs;
        budget.target = target;
        const DecodedAction d = space.decode(act, budget);
        ASSERT_TRUE(d.budget_met) << model << " " << target;
        const double frac = d.cost.macs / orig;
        EXPECT_LE(frac, target) << model;
        EXPECT_GE(frac, target - 0.02) << model << " target " << target;
      }
    }
  }
}

TEST(ActionSpace, AbsoluteParamsBudgetAndRoundTo8) {
  const Graph g = build_model("resnet56", ModelOptions{});
  ActionSpaceOptions o;
  o.round_to = 8;
  const ActionSpace space(g, analyze_channels(g), o);
  std::mt19937 rng(3);
  Budget budget;
  budget.metric = BudgetMetric::kParams;
  budget.fraction = false;
  budget.target = 300000;  // of ~853k
  const DecodedAction d = space.decode(random_action(space, rng), budget);
  EXPECT_TRUE(d.budget_met);
  EXPECT_LE(d.cost.params, 300000);
  EXPECT_GE(d.cost.params, 240000);
}

TEST(ActionSpace, InfeasibleBudgetGivesTheCheapestPlanAndSaysSo) {
  const Graph g = build_model("resnet20", ModelOptions{});
  ActionSpaceOptions o;
  o.max_ratio = 0.5;
  const ActionSpace space(g, analyze_channels(g), o);
  PruneAction act;
  act.ratios.assign(space.num_groups(), 0.1);
  act.ratios[0] = 0.0;  // a zero ratio is moved too (phase 2)
  Budget budget;
  budget.metric = BudgetMetric::kMacs;
  budget.target = 0.01;
  const DecodedAction d = space.decode(act, budget);
  EXPECT_FALSE(d.budget_met);
  PruneAction cheapest;
  cheapest.ratios.assign(space.num_groups(), 0.5);
  EXPECT_EQ(d.cost.macs, space.decode(cheapest).cost.macs);
  for (double r : d.ratios) EXPECT_DOUBLE_EQ(r, 0.5);
}

TEST(ActionSpace, FillFalseLeavesUnderBudgetActionsAlone) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const ActionSpace space(g, analyze_channels(g));
  PruneAction act;
  act.ratios.assign(space.num_groups(), 0.5);
  Budget budget;
  budget.metric = BudgetMetric::kMacs;
  budget.target = 0.9;
  budget.fill = false;
  const DecodedAction kept = space.decode(act, budget);
  EXPECT_EQ(kept.plan, space.decode(act).plan);
  budget.fill = true;  // projected onto the target: less pruning
  const DecodedAction filled = space.decode(act, budget);
  EXPECT_GT(filled.cost.macs, kept.cost.macs);
  EXPECT_LE(filled.cost.macs, 0.9 * space.original_cost().macs);
}

TEST(ActionSpace, RemovedBlocksDropInnerDecisionsAndNestedBits) {
  const Graph g = test::nested_net();
  const ActionSpace space(g, analyze_channels(g));
  ASSERT_EQ(space.num_blocks(), 2);  // inner_add, outer_add (node order)
  EXPECT_EQ(space.blocks()[0].name, "inner_add");
  EXPECT_EQ(space.blocks()[1].nested, std::vector<int>{0});
  PruneAction act;
  act.ratios.assign(space.num_groups(), 0.5);
  act.remove = {1, 1};
  const DecodedAction d = space.decode(act);
  EXPECT_EQ(d.plan.removed_blocks, std::vector<std::string>{"outer_add"});
  EXPECT_EQ(d.removed, (std::vector<char>{0, 1}));
  for (int k = 0; k < space.num_groups(); ++k) {
    const std::string& name = space.groups()[k].name;
    const bool inside = name == "conv_a" || name == "conv_c";  // conv_a's group includes conv_b (inner Add)
    EXPECT_EQ(d.active[k], inside ? 0 : 1) << name;
    EXPECT_EQ(d.plan.groups.count(name), inside ? 0u : 1u) << name;
  }
}

TEST(ActionSpace, FrozenGroupsAndOptionErrors) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const auto a = analyze_channels(g);
  ActionSpaceOptions o;
  o.frozen_groups = {"conv1", "layer3.0.conv2"};
  const ActionSpace space(g, a, o);
  EXPECT_EQ(space.num_groups(), 10);
  for (const auto& d : space.groups()) EXPECT_TRUE(d.name != "conv1" && d.name != "layer3.0.conv2");
  o.frozen_groups = {"nope"};
  EXPECT_THROW(ActionSpace(g, a, o), UserError);
  ActionSpaceOptions bad;
  bad.round_to = 0;
  EXPECT_THROW(ActionSpace(g, a, bad), UserError);
  bad = {};
  bad.max_ratio = 1.5;
  EXPECT_THROW(ActionSpace(g, a, bad), UserError);
  const ActionSpace ok(g, a);
  PruneAction act;
  act.ratios.assign(3, 0.5);
  EXPECT_THROW(ok.decode(act), UserError);  // wrong size
  act.ratios.assign(ok.num_groups(), 0.5);
  act.ratios[2] = std::nan("");
  EXPECT_THROW(ok.decode(act), UserError);
}

}  // namespace
}  // namespace pk
