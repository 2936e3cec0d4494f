// Turning a groups=1 conv into a G-group conv (algorithms.md §3): choose a permutation of the
// filters (rows) and of the input channels (columns) so that the G diagonal blocks of size
// (F/G)×(C/G) keep as much of the weight mass as possible. Torch-free: the mass matrix is built
// from a weight tensor by prune/conv_mass.h.
//
// Mass of a region = the plain sum of the S entries in it (not the sum of squares). With S from
// conv_mass_matrix (unit Frobenius norm) of a nonzero weight the total mass is in [1, sqrt(F·C)].
#pragma once

#include <vector>

namespace pk {

/// Row-major rows × cols matrix of nonnegative, finite masses: S of one conv, rows = filters F,
/// cols = input channels C; values[r * cols + c] = S[r][c].
struct MassMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<double> values;  // size rows * cols

  /// S[r][c]; InternalError when (r, c) is outside the matrix.
  double at(int r, int c) const;
  /// Sum of all entries.
  double total() const;
};

/// A permutation of S's rows and columns for a G-group conv.
struct GroupPermutation {
  int groups = 1;
  /// rows[k] = original filter at permuted position k (size F, each filter once);
  /// row group g = positions [g·F/G, (g+1)·F/G).
  std::vector<int> rows;
  /// cols[k] = original input channel at permuted position k (size C, each channel once);
  /// col group g = positions [g·C/G, (g+1)·C/G). Row group g meets col group g on the diagonal.
  std::vector<int> cols;
  double kept_mass = 0;  // mass inside the G diagonal blocks
  double cost = 0;       // s.total() - kept_mass: the pruning cost (mass outside the blocks)
};

struct PermutationOptions {
  /// Heuristic sweeps N_S; each starts from the previous one's result. 0 = only the initial
  /// (identity) permutation, re-paired by the assignment step.
  int sweeps = 10;
};

/// Mass kept by the G diagonal blocks when S's rows and columns are permuted by (rows, cols)
/// (same convention as GroupPermutation). UserError unless s is well-formed, groups >= 1 divides
/// s.rows and s.cols, and rows / cols are permutations of [0, s.rows) / [0, s.cols).
double kept_block_mass(const MassMatrix& s, int groups, const std::vector<int>& rows,
                       const std::vector<int>& cols);

/// The permutation heuristic of algorithms.md §3 followed by the row-group ↔ col-group
/// assignment. Starts from the identity; each sweep, for g = G-1 .. 1, moves into col group g the
/// C/G free columns heaviest in row group g, then into row group g the F/G free rows heaviest in
/// the new col group g (group g is then fixed for the sweep). After each sweep the col groups are
/// re-paired with the row groups by max_weight_assignment on the G×G block sums; the best
/// (highest kept mass) result over the sweeps is returned. Deterministic. G = 1 returns the
/// identity with cost 0. Time O(sweeps · (F·C + G·(F+C)·log(F+C) + G³)).
/// UserError unless s is well-formed with nonnegative finite entries, groups >= 1 divides s.rows
/// and s.cols, and options.sweeps >= 0.
GroupPermutation solve_group_permutation(const MassMatrix& s, int groups,
                                         const PermutationOptions& options = {});

/// Maximum-weight perfect matching on a square n×n matrix of finite weights (any sign):
/// result[i] = column matched with row i, each column once; {} for n = 0. Solved exactly by
/// dlib's Hungarian algorithm on integers: weights are scaled by 2^40 / max|w| and rounded, so the
/// total of the result is within n · max|w| · 2^-40 of the optimum. UserError unless square and
/// finite.
std::vector<int> max_weight_assignment(const std::vector<std::vector<double>>& weights);

}  // namespace pk
