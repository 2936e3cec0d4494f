#include "prune/group_permutation.h"

#include <dlib/optimization/max_cost_assignment.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "core/error.h"

namespace pk {
namespace {

/// Block sizes of a G-group split of S: row groups of fr rows, col groups of fc cols.
struct Layout {
  int groups;
  int fr;  // F / G
  int fc;  // C / G
};

/// A candidate: rows[k] / cols[k] = original row / col at permuted position k.
struct Permutation {
  std::vector<int> rows;
  std::vector<int> cols;
};

void check_matrix(const MassMatrix& s) {
  PK_CHECK(s.rows >= 1 && s.cols >= 1, "mass matrix must be at least 1x1, got {}x{}", s.rows, s.cols);
  PK_CHECK(s.values.size() == static_cast<size_t>(s.rows) * static_cast<size_t>(s.cols),
           "mass matrix {}x{} has {} values, expected {}", s.rows, s.cols, s.values.size(),
           static_cast<size_t>(s.rows) * static_cast<size_t>(s.cols));
}

void check_entries_nonnegative(const MassMatrix& s) {
  for (size_t i = 0; i < s.values.size(); ++i) {
    const double v = s.values[i];
    PK_CHECK(std::isfinite(v) && v >= 0, "mass matrix entry ({}, {}) = {}: masses must be finite and >= 0",
             i / s.cols, i % s.cols, v);
  }
}

Layout make_layout(const MassMatrix& s, int groups) {
  PK_CHECK(groups >= 1 && s.rows % groups == 0 && s.cols % groups == 0,
           "groups = {} must be >= 1 and divide both the {} filters and the {} input channels", groups,
           s.rows, s.cols);
  return Layout{groups, s.rows / groups, s.cols / groups};
}

void check_permutation(const std::vector<int>& perm, int n, const char* what) {
  PK_CHECK(perm.size() == static_cast<size_t>(n), "{} permutation has {} entries, expected {}", what,
           perm.size(), n);
  std::vector<char> seen(n, 0);
  for (int v : perm) {
    PK_CHECK(v >= 0 && v < n && !seen[v], "{} permutation is not a permutation of [0, {}): entry {}", what,
             n, v);
    seen[v] = 1;
  }
}

std::vector<int> identity(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// {mass inside the diagonal blocks, mass outside}, each summed directly so that an empty
/// outside gives exactly 0.
std::pair<double, double> split_mass(const MassMatrix& s, const Layout& l, const Permutation& p) {
  double kept = 0, outside = 0;
  for (int k = 0; k < s.rows; ++k) {
    const double* row = s.values.data() + static_cast<size_t>(p.rows[k]) * s.cols;
    const int g = k / l.fr;
    for (int j = 0; j < s.cols; ++j) (j / l.fc == g ? kept : outside) += row[p.cols[j]];
  }
  return {kept, outside};
}

/// B[i][j] = mass of row group i × col group j under p (G×G).
std::vector<std::vector<double>> block_sums(const MassMatrix& s, const Layout& l, const Permutation& p) {
  std::vector<std::vector<double>> b(l.groups, std::vector<double>(l.groups, 0.0));
  for (int k = 0; k < s.rows; ++k) {
    const double* row = s.values.data() + static_cast<size_t>(p.rows[k]) * s.cols;
    std::vector<double>& out = b[k / l.fr];
    for (int j = 0; j < s.cols; ++j) out[j / l.fc] += row[p.cols[j]];
  }
  return b;
}

/// Moves into positions [g·n, (g+1)·n) of perm the n positions of [0, (g+1)·n) with the largest
/// mass[position]. Selected entries already in the group stay; the others are swapped with the
/// group's unselected entries, so the free groups 0..g-1 are disturbed as little as possible.
/// Ties prefer entries already in the group, then lower positions (deterministic).
void move_heaviest_into_group(std::vector<int>& perm, const std::vector<double>& mass, int g, int n) {
  const int lo = g * n, free_end = (g + 1) * n;
  std::vector<int> order = identity(free_end);
  auto in_group = [lo](int k) { return k >= lo; };
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (mass[a] != mass[b]) return mass[a] > mass[b];
    if (in_group(a) != in_group(b)) return in_group(a);
    return a < b;
  });
  std::vector<char> selected(free_end, 0);
  for (int i = 0; i < n; ++i) selected[order[i]] = 1;
  int out = lo;  // next unselected position inside the group
  for (int k = 0; k < lo; ++k) {
    if (!selected[k]) continue;
    while (out < free_end && selected[out]) ++out;
    PK_ASSERT(out < free_end, "group {} has no unselected slot left", g);
    std::swap(perm[k], perm[out++]);
  }
}

/// Mass of each free column position j < (g+1)·fc within row group g.
std::vector<double> free_column_masses(const MassMatrix& s, const Layout& l, const Permutation& p, int g) {
  std::vector<double> mass((g + 1) * l.fc, 0.0);
  for (int k = g * l.fr; k < (g + 1) * l.fr; ++k) {
    const double* row = s.values.data() + static_cast<size_t>(p.rows[k]) * s.cols;
    for (size_t j = 0; j < mass.size(); ++j) mass[j] += row[p.cols[j]];
  }
  return mass;
}

/// Mass of each free row position k < (g+1)·fr within col group g.
std::vector<double> free_row_masses(const MassMatrix& s, const Layout& l, const Permutation& p, int g) {
  std::vector<double> mass((g + 1) * l.fr, 0.0);
  for (size_t k = 0; k < mass.size(); ++k) {
    const double* row = s.values.data() + static_cast<size_t>(p.rows[k]) * s.cols;
    for (int j = g * l.fc; j < (g + 1) * l.fc; ++j) mass[k] += row[p.cols[j]];
  }
  return mass;
}

/// One heuristic sweep: fixes groups G-1 .. 1 in turn (group 0 gets what is left).
void sweep(const MassMatrix& s, const Layout& l, Permutation& p) {
  for (int g = l.groups - 1; g >= 1; --g) {
    move_heaviest_into_group(p.cols, free_column_masses(s, l, p, g), g, l.fc);
    move_heaviest_into_group(p.rows, free_row_masses(s, l, p, g), g, l.fr);
  }
}

/// Reorders p's col groups so that row group i meets col group assignment[i] on the diagonal.
void reorder_col_groups(const Layout& l, const std::vector<int>& assignment, Permutation& p) {
  std::vector<int> cols(p.cols.size());
  for (int i = 0; i < l.groups; ++i) {
    std::copy_n(p.cols.begin() + static_cast<long>(assignment[i]) * l.fc, l.fc, cols.begin() + static_cast<long>(i) * l.fc);
  }
  p.cols = std::move(cols);
}

/// Re-pairs p's row groups with its col groups by a maximum-weight assignment on the block sums.
void pair_groups(const MassMatrix& s, const Layout& l, Permutation& p) {
  reorder_col_groups(l, max_weight_assignment(block_sums(s, l, p)), p);
}

/// The integer matrix dlib solves: w · 2^40 / max|w|, rounded (all zeros stay zeros).
dlib::matrix<long> scaled_integer_weights(const std::vector<std::vector<double>>& w) {
  const long n = static_cast<long>(w.size());
  double max_abs = 0;
  for (const auto& row : w) {
    PK_CHECK(row.size() == w.size(), "assignment weights must be square: a row has {} entries, expected {}",
             row.size(), w.size());
    for (double v : row) {
      PK_CHECK(std::isfinite(v), "assignment weight {} is not finite", v);
      max_abs = std::max(max_abs, std::abs(v));
    }
  }
  // |scaled| <= 2^40: dlib's labels and slacks stay within about n·2^41, far below 2^63 for n < 2^20.
  // Rounding moves each entry by at most 1/2 unit = max|w|·2^-41.
  const double scale = max_abs > 0 ? std::ldexp(1.0, 40) / max_abs : 0.0;
  dlib::matrix<long> m(n, n);
  for (long i = 0; i < n; ++i) {
    for (long j = 0; j < n; ++j) m(i, j) = std::lround(w[i][j] * scale);
  }
  return m;
}

}  // namespace

double MassMatrix::at(int r, int c) const {
  PK_ASSERT(r >= 0 && r < rows && c >= 0 && c < cols, "({}, {}) outside the {}x{} mass matrix", r, c, rows, cols);
  return values[static_cast<size_t>(r) * cols + c];
}

double MassMatrix::total() const { return std::accumulate(values.begin(), values.end(), 0.0); }

double kept_block_mass(const MassMatrix& s, int groups, const std::vector<int>& rows,
                       const std::vector<int>& cols) {
  check_matrix(s);
  const Layout l = make_layout(s, groups);
  check_permutation(rows, s.rows, "row");
  check_permutation(cols, s.cols, "column");
  return split_mass(s, l, Permutation{rows, cols}).first;
}

std::vector<int> max_weight_assignment(const std::vector<std::vector<double>>& weights) {
  const dlib::matrix<long> m = scaled_integer_weights(weights);
  if (m.nr() == 0) return {};
  const std::vector<long> a = dlib::max_cost_assignment(m);
  PK_ASSERT(a.size() == weights.size(), "dlib returned {} assignments for {} rows", a.size(), weights.size());
  return std::vector<int>(a.begin(), a.end());
}

GroupPermutation solve_group_permutation(const MassMatrix& s, int groups, const PermutationOptions& options) {
  check_matrix(s);
  check_entries_nonnegative(s);
  const Layout l = make_layout(s, groups);
  PK_CHECK(options.sweeps >= 0, "permutation sweeps must be >= 0, got {}", options.sweeps);
  Permutation p{identity(s.rows), identity(s.cols)};
  GroupPermutation best{groups, p.rows, p.cols, s.total(), 0.0};
  if (groups == 1) return best;

  pair_groups(s, l, p);
  best.kept_mass = -1;
  for (int sweep_index = 0; sweep_index <= options.sweeps; ++sweep_index) {
    if (sweep_index > 0) {
      sweep(s, l, p);
      pair_groups(s, l, p);
    }
    const auto [kept, outside] = split_mass(s, l, p);
    if (kept > best.kept_mass) best = GroupPermutation{groups, p.rows, p.cols, kept, outside};
  }
  return best;
}

}  // namespace pk
