// The group-convolution permutation solver (algorithms.md §3) and the conv mass matrix.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "prune/conv_mass.h"
#include "prune/group_permutation.h"

namespace pk {
namespace {

std::vector<int> iota_vector(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

std::vector<int> shuffled(int n, std::mt19937& rng) {
  std::vector<int> v = iota_vector(n);
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

MassMatrix uniform_matrix(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  MassMatrix m{rows, cols, std::vector<double>(static_cast<size_t>(rows) * cols)};
  for (double& v : m.values) v = u(rng);
  return m;
}

/// S with G planted diagonal blocks hidden by a random shuffle of rows and columns.
/// row_group[f] / col_group[c] = planted group of original filter f / channel c.
struct Planted {
  MassMatrix s;
  std::vector<int> row_group;
  std::vector<int> col_group;
};

/// Entries inside planted block p are scale^p · U(0.5, 1), outside noise · U(0, 1).
Planted make_planted(int F, int C, int G, double noise, double scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Planted p{MassMatrix{F, C, std::vector<double>(static_cast<size_t>(F) * C)}, std::vector<int>(F),
            std::vector<int>(C)};
  const std::vector<int> rows = shuffled(F, rng), cols = shuffled(C, rng);
  for (int k = 0; k < F; ++k) p.row_group[rows[k]] = k / (F / G);
  for (int k = 0; k < C; ++k) p.col_group[cols[k]] = k / (C / G);
  for (int f = 0; f < F; ++f) {
    for (int c = 0; c < C; ++c) {
      const int g = p.row_group[f];
      const double v = g == p.col_group[c] ? std::pow(scale, g) * (0.5 + 0.5 * u(rng)) : noise * u(rng);
      p.s.values[static_cast<size_t>(f) * C + c] = v;
    }
  }
  return p;
}

/// Kept mass computed from scratch: entry (f, c) is kept iff f's row group equals c's col group.
double reference_kept(const MassMatrix& s, int G, const std::vector<int>& rows, const std::vector<int>& cols) {
  std::vector<int> rg(s.rows), cg(s.cols);
  for (int k = 0; k < s.rows; ++k) rg[rows[k]] = k / (s.rows / G);
  for (int k = 0; k < s.cols; ++k) cg[cols[k]] = k / (s.cols / G);
  double kept = 0;
  for (int f = 0; f < s.rows; ++f) {
    for (int c = 0; c < s.cols; ++c) kept += rg[f] == cg[c] ? s.values[static_cast<size_t>(f) * s.cols + c] : 0.0;
  }
  return kept;
}

double planted_kept(const Planted& p) {
  double kept = 0;
  for (int f = 0; f < p.s.rows; ++f) {
    for (int c = 0; c < p.s.cols; ++c) kept += p.row_group[f] == p.col_group[c] ? p.s.at(f, c) : 0.0;
  }
  return kept;
}

/// EXPECTs that perm holds each of 0 .. n-1 once; returns whether it does.
bool expect_permutation(const std::vector<int>& perm, int n, const char* what) {
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota_vector(n)) << what << " is not a permutation of [0, " << n << ")";
  return sorted == iota_vector(n);
}

/// The result is a valid pair of permutations and its numbers match a recomputation.
void expect_consistent(const MassMatrix& s, int G, const GroupPermutation& r) {
  EXPECT_EQ(r.groups, G);
  const bool rows_ok = expect_permutation(r.rows, s.rows, "rows");
  const bool cols_ok = expect_permutation(r.cols, s.cols, "cols");
  if (!rows_ok || !cols_ok) return;
  const double kept = reference_kept(s, G, r.rows, r.cols);
  const double tol = 1e-12 * (1 + s.total());
  EXPECT_NEAR(r.kept_mass, kept, tol);
  EXPECT_NEAR(r.cost, s.total() - kept, tol);
  EXPECT_NEAR(kept_block_mass(s, G, r.rows, r.cols), kept, tol);
}

/// Planted group of each result group's rows and cols; -1 when a group mixes planted groups.
std::vector<std::pair<int, int>> block_origins(const Planted& p, const GroupPermutation& r) {
  const int G = r.groups, fr = p.s.rows / G, fc = p.s.cols / G;
  std::vector<std::pair<int, int>> out;
  for (int g = 0; g < G; ++g) {
    std::set<int> rg, cg;
    for (int k = g * fr; k < (g + 1) * fr; ++k) rg.insert(p.row_group[r.rows[k]]);
    for (int k = g * fc; k < (g + 1) * fc; ++k) cg.insert(p.col_group[r.cols[k]]);
    out.emplace_back(rg.size() == 1 ? *rg.begin() : -1, cg.size() == 1 ? *cg.begin() : -1);
  }
  return out;
}

/// Every result block is exactly one planted block (rows and cols as sets), each planted block once.
bool recovers_planted(const Planted& p, const GroupPermutation& r) {
  std::set<int> seen;
  for (auto [rg, cg] : block_origins(p, r)) {
    if (rg < 0 || rg != cg || !seen.insert(rg).second) return false;
  }
  return true;
}

TEST(GroupPermutation, KeptBlockMassOfAHandExample) {
  // S (4×6) = (r+1)·(c+1); G = 2 → blocks of 2 rows × 3 cols. A block keeps
  // (sum of its r+1) · (sum of its c+1).
  MassMatrix s{4, 6, {}};
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) s.values.push_back((r + 1) * (c + 1));
  }
  // rows {0,1} × cols {0,1,2} + rows {2,3} × cols {3,4,5} = 3·6 + 7·15 = 123.
  EXPECT_DOUBLE_EQ(kept_block_mass(s, 2, {0, 1, 2, 3}, {0, 1, 2, 3, 4, 5}), 123);
  // rows {3,0} × cols {5,1,4} + rows {2,1} × cols {0,3,2} = 5·13 + 5·8 = 105.
  EXPECT_DOUBLE_EQ(kept_block_mass(s, 2, {3, 0, 2, 1}, {5, 1, 4, 0, 3, 2}), 105);
  // rows {0,2} × cols {0,1,5} + rows {1,3} × cols {2,3,4} = 4·9 + 6·12 = 108.
  EXPECT_DOUBLE_EQ(kept_block_mass(s, 2, {0, 2, 1, 3}, {0, 1, 5, 2, 3, 4}), 108);
  // rows {0,1} × cols {3,4,5} + rows {2,3} × cols {0,1,2} = 3·15 + 7·6 = 87.
  EXPECT_DOUBLE_EQ(kept_block_mass(s, 2, {0, 1, 2, 3}, {3, 4, 5, 0, 1, 2}), 87);
  // G = 1 keeps everything: 10 · 21.
  EXPECT_DOUBLE_EQ(kept_block_mass(s, 1, {0, 1, 2, 3}, {0, 1, 2, 3, 4, 5}), 210);
  // An uneven S tells the layouts apart: only entry (3, 5) is nonzero.
  MassMatrix one{4, 6, std::vector<double>(24, 0.0)};
  one.values[3 * 6 + 5] = 1;
  EXPECT_DOUBLE_EQ(kept_block_mass(one, 2, {0, 1, 2, 3}, {0, 1, 2, 3, 4, 5}), 1);  // row 3 in group 1, col 5 in group 1
  EXPECT_DOUBLE_EQ(kept_block_mass(one, 2, {3, 0, 1, 2}, {0, 1, 2, 3, 4, 5}), 0);  // row 3 in group 0
  EXPECT_DOUBLE_EQ(kept_block_mass(one, 2, {0, 1, 2, 3}, {0, 1, 2, 5, 3, 4}), 1);  // col 5 at position 3: group 1
  EXPECT_DOUBLE_EQ(kept_block_mass(one, 2, {0, 1, 2, 3}, {0, 1, 5, 2, 3, 4}), 0);  // col 5 at position 2: group 0
}

TEST(GroupPermutation, OneSweepByHand) {
  // S (4×4), G = 2, total 28:      Identity: B = [[6, 6], [7, 9]]; pairing keeps max(6+9, 6+7) = 15.
  //   r0: 0 4 1 2                  Sweep, g = 1: masses of cols c0..c3 in row group {r2, r3}:
  //   r1: 2 0 0 3                  5 2 2 7 → col group 1 = {c0, c3}. Masses of rows r0..r3 in
  //   r2: 1 0 1 3                  {c0, c3}: 2 5 4 8 → row group 1 = {r1, r3}. Blocks {r0, r2} × {c1, c2}
  //   r3: 4 2 1 4                  = 6 and {r1, r3} × {c0, c3} = 13 keep 19 (swapped pairing: 6 + 3).
  // Taking rows before cols would keep 17; taking the columns by row group 0 instead of 1, 16.
  const MassMatrix s{4, 4, {0, 4, 1, 2, 2, 0, 0, 3, 1, 0, 1, 3, 4, 2, 1, 4}};
  EXPECT_DOUBLE_EQ(solve_group_permutation(s, 2, PermutationOptions{0}).kept_mass, 15);
  const GroupPermutation r = solve_group_permutation(s, 2, PermutationOptions{1});
  expect_consistent(s, 2, r);
  EXPECT_DOUBLE_EQ(r.kept_mass, 19);
  EXPECT_DOUBLE_EQ(r.cost, 9);
  using Block = std::pair<std::set<int>, std::set<int>>;
  const std::set<Block> want = {Block{{0, 2}, {1, 2}}, Block{{1, 3}, {0, 3}}};
  std::set<Block> got;
  for (int g = 0; g < 2; ++g) {
    got.insert(Block{{r.rows[2 * g], r.rows[2 * g + 1]}, {r.cols[2 * g], r.cols[2 * g + 1]}});
  }
  EXPECT_EQ(got, want);
}

TEST(GroupPermutation, BeatsTheBestOf100RandomPermutationsOnPlantedBlocks) {
  // Planted entries U(0.5, 1), noise U(0, noise). Random permutations keep about 1/G of the mass.
  const int F = 32, C = 24, G = 4;
  for (double noise : {0.4, 1.0}) {
    for (unsigned seed = 0; seed < 5; ++seed) {
      SCOPED_TRACE(::testing::Message() << "noise " << noise << ", seed " << seed);
      const Planted p = make_planted(F, C, G, noise, /*scale=*/1, seed);
      const GroupPermutation r = solve_group_permutation(p.s, G);
      expect_consistent(p.s, G, r);
      std::mt19937 rng(1000 + seed);
      double best_random = 0;
      for (int i = 0; i < 100; ++i) {
        const std::vector<int> rows = shuffled(F, rng), cols = shuffled(C, rng);
        best_random = std::max(best_random, kept_block_mass(p.s, G, rows, cols));
      }
      EXPECT_GT(r.kept_mass, best_random);
      // Noise 0.4: the planted blocks hold ~56% of the mass and are found (kept = planted on these
      // seeds). Noise 1 (~33%, a weak signal): kept 130-136 vs planted ~143, best random 113-117.
      if (noise < 0.5) {
        EXPECT_GT(r.kept_mass, 0.97 * planted_kept(p)) << "best random " << best_random;
      }
    }
  }
}

TEST(GroupPermutation, ZeroNoiseRecoversWellSeparatedPlantedBlocksExactly) {
  // Block p is scaled by (4·F/G)^p. Then at every step the free columns heaviest in row group g
  // are exactly those of the largest planted group present there (one of its rows outweighs all
  // F/G rows of a lower group by 2×), and the rows heaviest in them exactly that group's rows:
  // the first sweep recovers every block, whatever the shuffle.
  const int F = 32, C = 24, G = 4;
  for (unsigned seed = 0; seed < 8; ++seed) {
    const Planted p = make_planted(F, C, G, /*noise=*/0, /*scale=*/4.0 * F / G, seed);
    const GroupPermutation r = solve_group_permutation(p.s, G);
    expect_consistent(p.s, G, r);
    EXPECT_EQ(r.cost, 0.0) << "seed " << seed;  // the outside is summed directly: exactly 0
    EXPECT_TRUE(recovers_planted(p, r)) << "seed " << seed;
  }
}

TEST(GroupPermutation, ZeroNoiseEqualScalesUsuallyRecoversThePlantedBlocks) {
  // With equal block scales the greedy sweeps can lock into a mixture of two planted groups split
  // evenly over two result groups (a fixed point of the sweep), so exact recovery is not
  // guaranteed. On this fixed seed set 47 of 50 recover exactly (measured); the bound leaves a
  // little room for a different tie order.
  const int F = 32, C = 24, G = 4;
  int exact = 0;
  for (unsigned seed = 0; seed < 50; ++seed) {
    const Planted p = make_planted(F, C, G, /*noise=*/0, /*scale=*/1, seed);
    const GroupPermutation r = solve_group_permutation(p.s, G);
    const bool recovered = recovers_planted(p, r);
    EXPECT_EQ(recovered, r.cost == 0.0) << "seed " << seed;
    exact += recovered;
  }
  EXPECT_GE(exact, 44);
}

TEST(GroupPermutation, OneGroupIsTheIdentityWithZeroCost) {
  const MassMatrix s = uniform_matrix(5, 7, 3);
  const GroupPermutation r = solve_group_permutation(s, 1);
  EXPECT_EQ(r.groups, 1);
  EXPECT_EQ(r.rows, iota_vector(5));
  EXPECT_EQ(r.cols, iota_vector(7));
  EXPECT_EQ(r.cost, 0.0);
  EXPECT_DOUBLE_EQ(r.kept_mass, s.total());
}

TEST(GroupPermutation, DepthwiseIsTheOptimalAssignment) {
  // G = F = C: every block is one entry, so the best kept mass is the maximum-weight matching of S.
  const int n = 6;
  for (unsigned seed = 0; seed < 4; ++seed) {
    const MassMatrix s = uniform_matrix(n, n, 10 + seed);
    const GroupPermutation r = solve_group_permutation(s, n);
    expect_consistent(s, n, r);
    std::vector<int> perm = iota_vector(n);
    double best = 0;
    do {
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += s.at(i, perm[i]);
      best = std::max(best, sum);
    } while (std::next_permutation(perm.begin(), perm.end()));
    EXPECT_NEAR(r.kept_mass, best, 1e-9) << "seed " << seed;
  }
}

TEST(GroupPermutation, MoreSweepsNeverKeepLess) {
  // Sweeps are deterministic and continue from each other, and the best is kept: the kept mass
  // is nondecreasing in the number of sweeps, and sweeps = 0 (identity, re-paired) is a floor.
  // On uniform random S a later sweep often keeps less than an earlier one (seeds 0, 2, 5 here).
  for (unsigned seed = 0; seed < 8; ++seed) {
    const MassMatrix s = uniform_matrix(24, 16, seed);
    const double identity = kept_block_mass(s, 4, iota_vector(24), iota_vector(16));
    double previous = identity;
    for (int sweeps = 0; sweeps <= 10; ++sweeps) {
      const GroupPermutation r = solve_group_permutation(s, 4, PermutationOptions{sweeps});
      expect_consistent(s, 4, r);
      EXPECT_GE(r.kept_mass, previous) << "seed " << seed << ", sweeps " << sweeps;
      previous = r.kept_mass;
    }
    EXPECT_GT(previous, identity) << "seed " << seed;
  }
}

TEST(GroupPermutation, ResultsArePermutationsAndCostIsTotalMinusKept) {
  struct Case { int F, C, G; };
  for (const Case& c : {Case{8, 8, 2}, Case{12, 18, 3}, Case{32, 24, 8}, Case{16, 16, 16}, Case{64, 32, 32}}) {
    for (unsigned seed = 0; seed < 2; ++seed) {
      const MassMatrix s = uniform_matrix(c.F, c.C, 100 * c.G + seed);
      SCOPED_TRACE(::testing::Message() << c.F << "x" << c.C << " G=" << c.G << " seed " << seed);
      expect_consistent(s, c.G, solve_group_permutation(s, c.G));
    }
  }
}

TEST(GroupPermutation, InvalidInputIsAUserError) {
  const MassMatrix s = uniform_matrix(32, 24, 4);
  for (int g : {0, -1, 3, 5, 16, 64}) EXPECT_THROW(solve_group_permutation(s, g), UserError) << "G = " << g;
  EXPECT_THROW(solve_group_permutation(s, 4, PermutationOptions{-1}), UserError);
  EXPECT_THROW(solve_group_permutation(MassMatrix{2, 2, {1, 2, 3}}, 1), UserError);
  EXPECT_THROW(solve_group_permutation(MassMatrix{0, 0, {}}, 1), UserError);
  EXPECT_THROW(solve_group_permutation(MassMatrix{1, 2, {1, -1}}, 1), UserError);
  EXPECT_THROW(solve_group_permutation(MassMatrix{1, 2, {1, std::nan("")}}, 1), UserError);
  const std::vector<int> rows = iota_vector(32), cols = iota_vector(24);
  EXPECT_THROW(kept_block_mass(s, 5, rows, cols), UserError);
  EXPECT_THROW(kept_block_mass(s, 4, iota_vector(31), cols), UserError);
  std::vector<int> repeated = cols;
  repeated[3] = repeated[4];
  EXPECT_THROW(kept_block_mass(s, 4, rows, repeated), UserError);
  std::vector<int> out_of_range = rows;
  out_of_range[0] = 32;
  EXPECT_THROW(kept_block_mass(s, 4, out_of_range, cols), UserError);
}

TEST(GroupPermutationAssignment, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 rng(7);
  for (int n = 1; n <= 6; ++n) {
    for (int trial = 0; trial < 5; ++trial) {
      // Mixed signs and magnitudes: the integer scaling must keep relative order at any scale.
      const double magnitude = std::pow(10.0, trial - 3);
      std::uniform_real_distribution<double> u(-magnitude, magnitude);
      std::vector<std::vector<double>> w(n, std::vector<double>(n));
      for (auto& row : w) {
        for (double& v : row) v = trial % 2 ? std::abs(u(rng)) : u(rng);
      }
      const std::vector<int> a = max_weight_assignment(w);
      if (!expect_permutation(a, n, "assignment")) continue;
      double got = 0;
      for (int i = 0; i < n; ++i) got += w[i][a[i]];
      std::vector<int> perm = iota_vector(n);
      double best = -std::numeric_limits<double>::infinity();
      do {
        double sum = 0;
        for (int i = 0; i < n; ++i) sum += w[i][perm[i]];
        best = std::max(best, sum);
      } while (std::next_permutation(perm.begin(), perm.end()));
      EXPECT_NEAR(got, best, 1e-9 * magnitude) << "n = " << n << ", trial " << trial;
    }
  }
}

TEST(GroupPermutationAssignment, EdgeCasesAndInvalidInput) {
  EXPECT_TRUE(max_weight_assignment({}).empty());
  EXPECT_EQ(max_weight_assignment({{0.0, 0.0}, {0.0, 0.0}}).size(), 2u);
  EXPECT_EQ(max_weight_assignment({{1, 0, 0}, {0, 0, 1}, {0, 1, 0}}), (std::vector<int>{0, 2, 1}));
  EXPECT_THROW(max_weight_assignment({{1, 2}, {3}}), UserError);
  EXPECT_THROW(max_weight_assignment({{1, 2}}), UserError);
  EXPECT_THROW(max_weight_assignment({{1, std::numeric_limits<double>::infinity()}, {0, 1}}), UserError);
}

TEST(ConvMass, HandMadeWeightHasKnownNorms) {
  // [F=2, C=2, kh=1, kw=2]; kernel norms ‖(0.6, 0.8)‖ = 1, ‖(0, −2)‖ = 2, ‖(−2.4, 3.2)‖ = 4,
  // ‖(1.2, 1.6)‖ = 2 → S = [[1, 2], [4, 2]], ‖S‖_F = √(1 + 4 + 16 + 4) = 5.
  const torch::Tensor w = torch::tensor({0.6f, 0.8f, 0.0f, -2.0f, -2.4f, 3.2f, 1.2f, 1.6f}).reshape({2, 2, 1, 2});
  const MassMatrix s = conv_mass_matrix(w);
  ASSERT_EQ(s.rows, 2);
  ASSERT_EQ(s.cols, 2);
  const double want[2][2] = {{0.2, 0.4}, {0.8, 0.4}};
  for (int f = 0; f < 2; ++f) {
    for (int c = 0; c < 2; ++c) EXPECT_NEAR(s.at(f, c), want[f][c], 1e-6) << f << ", " << c;
  }
}

TEST(ConvMass, ShapeAndUnitFrobeniusNorm) {
  torch::manual_seed(0);
  const torch::Tensor w = torch::randn({6, 4, 3, 3}) * 7;
  const MassMatrix s = conv_mass_matrix(w);
  EXPECT_EQ(s.rows, 6);
  EXPECT_EQ(s.cols, 4);
  ASSERT_EQ(s.values.size(), 24u);
  double squares = 0;
  for (double v : s.values) {
    EXPECT_GE(v, 0);
    squares += v * v;
  }
  EXPECT_NEAR(squares, 1.0, 1e-9);
  // Row-major with rows = filters: entry (f, c) is proportional to ‖w[f, c]‖ (ratio to (0, 0)).
  const auto a = w.accessor<float, 4>();
  auto norm = [&](int f, int c) {
    double sum = 0;
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) sum += double(a[f][c][i][j]) * a[f][c][i][j];
    }
    return std::sqrt(sum);
  };
  EXPECT_NEAR(s.at(5, 2) / s.at(0, 0), norm(5, 2) / norm(0, 0), 1e-5);
  EXPECT_NEAR(s.at(1, 3) / s.at(0, 0), norm(1, 3) / norm(0, 0), 1e-5);
}

TEST(ConvMass, AllZeroWeightGivesAllZeroMass) {
  const MassMatrix s = conv_mass_matrix(torch::zeros({3, 2, 3, 3}));
  ASSERT_EQ(s.values.size(), 6u);
  for (double v : s.values) EXPECT_EQ(v, 0.0);
}

TEST(ConvMass, RejectsWhatIsNotAConvWeight) {
  EXPECT_THROW(conv_mass_matrix(torch::ones({4, 3, 3})), UserError);
  EXPECT_THROW(conv_mass_matrix(torch::ones({4, 3})), UserError);
  EXPECT_THROW(conv_mass_matrix(torch::ones({4, 3, 1, 1}, torch::kInt)), UserError);
  EXPECT_THROW(conv_mass_matrix(torch::ones({0, 3, 1, 1})), UserError);
  EXPECT_THROW(conv_mass_matrix(torch::Tensor()), UserError);
}

}  // namespace
}  // namespace pk
