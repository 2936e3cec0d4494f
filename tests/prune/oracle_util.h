// Shared by the equivalence oracles (channel pruning, regrouping): weights whose BN layers are
// non-trivial, and how many random draws each architecture gets.
#pragma once

#include <torch/torch.h>

#include <cstdlib>

#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk::test {

/// Draws per architecture: 20 (unit), PK_ORACLE_PLANS when set (ctest `slow`: 500).
inline int oracle_draws() {
  const char* env = std::getenv("PK_ORACLE_PLANS");
  return env ? std::atoi(env) : 20;
}

/// Weights with non-trivial BN statistics and affine parameters, so that a BN on a pruned or
/// misplaced channel would not output the right value by accident.
inline WeightStore oracle_weights(const Graph& g, uint64_t seed) {
  WeightStore w = WeightStore::initialize(g, seed);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  torch::NoGradGuard ng;
  for (const Node& n : g.nodes())
    if (n.op == OpKind::kBatchNorm2d) {
      w.get(n.name, "weight").uniform_(0.5, 1.5, gen);
      w.get(n.name, "bias").uniform_(-0.5, 0.5, gen);
      w.get(n.name, "running_mean").uniform_(-0.2, 0.2, gen);
      w.get(n.name, "running_var").uniform_(0.5, 2.0, gen);
    }
  return w;
}

}  // namespace pk::test
