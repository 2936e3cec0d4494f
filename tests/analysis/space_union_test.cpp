#include <gtest/gtest.h>

#include "analysis/space_union.h"

namespace pk {
namespace {

TEST(SpaceUnion, IdentityUnionSharesIndices) {
  SpaceUnion u;
  const int a = u.add(4), b = u.add(4), c = u.add(3);
  EXPECT_TRUE(u.unite(a, b, {}));
  EXPECT_EQ(u.find(a), u.find(b));
  EXPECT_NE(u.find(a), u.find(c));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(u.root_index(a, i), u.root_index(b, i));
  EXPECT_TRUE(u.unite(b, a, {}));               // same relation again: fine
  EXPECT_FALSE(u.unite(a, b, {1, 0, 2, 3}));    // a different relation: refused
}

TEST(SpaceUnion, PermutationsComposeThroughChains) {
  SpaceUnion u;
  const int a = u.add(3), b = u.add(3), c = u.add(3), d = u.add(3);
  // channel i of a = channel p[i] of b; channel j of b = channel q[j] of c; d = c (identity).
  const std::vector<int> p{2, 0, 1}, q{0, 2, 1};  // q∘p = {1, 0, 2}, not the identity
  ASSERT_TRUE(u.unite(a, b, p));
  ASSERT_TRUE(u.unite(c, d, {}));
  ASSERT_TRUE(u.unite(b, c, q));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(u.root_index(a, i), u.root_index(b, p[i]));
    EXPECT_EQ(u.root_index(b, i), u.root_index(c, q[i]));
    EXPECT_EQ(u.root_index(a, i), u.root_index(d, q[p[i]]));
  }
  // Root indices of one space are a permutation.
  std::vector<int> seen(3, 0);
  for (int i = 0; i < 3; ++i) ++seen.at(u.root_index(d, i));
  EXPECT_EQ(seen, (std::vector<int>{1, 1, 1}));
  // The implied relation a→d is accepted, a contradicting one is not.
  EXPECT_TRUE(u.unite(a, d, {q[p[0]], q[p[1]], q[p[2]]}));
  EXPECT_FALSE(u.unite(a, d, {}));
}

}  // namespace
}  // namespace pk
