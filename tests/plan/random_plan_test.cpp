// The oracle's plan generator (plan_test_util.h) must only produce plans validate_plan accepts,
// nested residual blocks included, and still reach every block.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "../analysis/small_nets.h"
#include "models/zoo.h"
#include "plan/validate_plan.h"
#include "plan_test_util.h"

namespace pk {
namespace {

TEST(RandomPlan, IsValidOnNestedBlocksAndRemovesEachBlockSometimes) {
  const Graph g = test::nested_net();
  const ChannelAnalysis a = analyze_channels(g);
  ASSERT_EQ(a.removable_blocks().size(), 2u);
  std::mt19937 rng(7);
  std::set<std::string> removed;
  for (int p = 0; p < 200; ++p) {
    const PrunePlan plan = test::random_plan(a, rng);
    EXPECT_TRUE(plan_problems(g, a, plan).empty()) << "plan " << p << ": " << plan_problems(g, a, plan).front();
    EXPECT_LE(plan.removed_blocks.size(), 1u) << "plan " << p << ": inner_add lies inside outer_add";
    removed.insert(plan.removed_blocks.begin(), plan.removed_blocks.end());
  }
  EXPECT_EQ(removed, (std::set<std::string>{"inner_add", "outer_add"}));
}

TEST(RandomPlan, IsValidOnEveryZooModel) {
  std::mt19937 rng(3);
  for (const auto& name : known_models()) {
    const Graph g = build_model(name, ModelOptions{});
    const ChannelAnalysis a = analyze_channels(g);
    for (int p = 0; p < 20; ++p) {
      const auto problems = plan_problems(g, a, test::random_plan(a, rng));
      EXPECT_TRUE(problems.empty()) << name << " plan " << p << ": " << problems.front();
    }
  }
}

}  // namespace
}  // namespace pk
