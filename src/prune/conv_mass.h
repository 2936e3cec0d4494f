// The mass matrix of a conv weight for the group-convolution permutation solver (algorithms.md §3).
#pragma once

#include <torch/torch.h>

#include "prune/group_permutation.h"

namespace pk {

/// S for the [F, C, kh, kw] weight of a groups=1 conv (any floating dtype, any device):
/// S[f][c] = ‖weight[f, c, :, :]‖₂, then S /= ‖S‖_F so that the sum of S² is 1 (computed in
/// double). An all-zero weight gives an all-zero S. Result: rows = F, cols = C.
/// UserError unless weight is a 4-d floating tensor with no zero-sized dimension.
MassMatrix conv_mass_matrix(const torch::Tensor& weight);

}  // namespace pk
