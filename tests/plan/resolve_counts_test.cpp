#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "../analysis/small_nets.h"
#include "core/error.h"
#include "plan/resolve_counts.h"

namespace pk {
namespace {

TEST(ResolveCounts, KeepsTheHighestScoresAscending) {
  EXPECT_EQ(top_channels({0.1f, 0.9f, 0.5f, 0.7f}, 2), (std::vector<int>{1, 3}));
  EXPECT_EQ(top_channels({1, 1, 1, 1}, 2), (std::vector<int>{0, 1}));  // ties: lower index first
  EXPECT_EQ(top_channels({3, 2, 1}, 3), (std::vector<int>{0, 1, 2}));
}

TEST(ResolveCounts, GroupedConvGroupsKeepTheTopOfEveryBlock) {
  const Graph g = test::group_conv_net(4);  // gconv: 16 filters in 4 blocks of 4
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_count("gconv", 8);
  GroupScores s;
  // The globally best 8 would be 12..15 and 8..11; per block the best 2 of each.
  s["gconv"] = {1, 0, 3, 2, 4, 7, 6, 5, 10, 11, 8, 9, 20, 21, 22, 23};
  const PrunePlan r = resolve_counts(p, a, s);
  EXPECT_EQ(r.groups.at("gconv").indices, (std::vector<int>{2, 3, 5, 6, 8, 9, 14, 15}));
  PrunePlan bad;
  bad.keep_count("gconv", 6);
  EXPECT_THROW(resolve_counts(bad, a, s), UserError);
}

TEST(ResolveCounts, APinnedGroupSaysWhyItCannotBePruned) {
  const Graph g = test::chain_net();
  const auto a = analyze_channels(g);
  ASSERT_FALSE(a.group("fc").prunable);
  PrunePlan p;
  p.keep_count("fc", 5);
  try {
    resolve_counts(p, a, {});
    FAIL() << "keeping 5 of the pinned group 'fc' was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'fc' cannot be pruned (graph output"), std::string::npos) << e.what();
  }
  PrunePlan all;
  all.keep_count("fc", 10);  // keeping everything is fine, and needs no scores
  EXPECT_EQ(resolve_counts(all, a, {}).groups.at("fc").indices.size(), 10u);
}

TEST(ResolveCounts, ResolvesOnlyCountOnlyGroups) {
  const Graph g = test::chain_net();  // groups conv1 (8), conv2 (6)
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_count("conv1", 3);
  p.keep_indices("conv2", {5, 0});
  GroupScores s;
  s["conv1"] = {0, 7, 1, 6, 2, 5, 3, 4};
  s["unused"] = {1};  // ignored
  const PrunePlan r = resolve_counts(p, a, s);
  EXPECT_EQ(r.groups.at("conv1").indices, (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(r.groups.at("conv2").indices, (std::vector<int>{5, 0}));  // untouched
  EXPECT_TRUE(r.resolved());
  EXPECT_FALSE(p.resolved());
}

void expect_error(const PrunePlan& p, const GroupScores& s, const std::string& fragment) {
  const Graph g = test::chain_net();
  try {
    resolve_counts(p, analyze_channels(g), s);
    ADD_FAILURE() << "expected: " << fragment;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ResolveCounts, Errors) {
  PrunePlan p;
  p.keep_count("conv1", 3);
  expect_error(p, {}, "no importance scores for group 'conv1' (keeps 3 of 8)");
  expect_error(p, {{"conv1", {1, 2}}}, "group 'conv1' has 8 channels but 2 scores");
  expect_error(p, {{"conv1", {1, 2, 3, std::nanf(""), 5, 6, 7, 8}}}, "score of channel 3 is nan");
  PrunePlan q;
  q.keep_count("nope", 1);
  expect_error(q, {}, "unknown channel group 'nope'");
}

}  // namespace
}  // namespace pk
