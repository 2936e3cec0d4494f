// Shared by the equivalence oracles (channel pruning, regrouping, the imported ResNeXt): weights
// whose BN layers are non-trivial, inputs, the masked reference of a channel plan, how many
// random draws each architecture gets and the zoo they run on.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "exec/executor.h"
#include "graph/graph.h"
#include "models/zoo.h"
#include "plan/apply_plan.h"
#include "plan/kept_channels.h"
#include "plan/prune_plan.h"
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

/// A batch of 2 standard-normal inputs of `g`'s input shape.
inline torch::Tensor oracle_input(const Graph& g, uint64_t seed) {
  std::vector<int64_t> shape{2};
  for (auto d : g.node(g.input_names()[0]).shape.dims) shape.push_back(d);
  return torch::randn(shape, at::make_generator<at::CPUGeneratorImpl>(seed));
}

/// Output of `g` in eval mode, without gradients.
/// Every output of a single-input graph, each flattened per sample, concatenated: [N, Σ numel].
inline torch::Tensor all_outputs(Executor& ex, const torch::Tensor& x) {
  std::vector<torch::Tensor> flat;
  for (const auto& y : ex.forward_all({x})) flat.push_back(y.reshape({y.size(0), -1}));
  return torch::cat(flat, 1);
}

inline torch::Tensor run_eval(const Graph& g, const WeightStore& w, const torch::Tensor& x) {
  Executor ex(g, w);
  ex.eval();
  torch::NoGradGuard ng;
  return all_outputs(ex, x);
}

/// max |got − expected| / max(1, max |expected|): the oracles accept below 1e-4.
inline double relative_diff(const torch::Tensor& got, const torch::Tensor& expected) {
  const double diff = (got - expected).abs().max().item<double>();
  return diff / std::max(1.0, expected.abs().max().item<double>());
}

/// Every zoo architecture at 3x16x16 (detectors at 3x32x32 and width 0.25, the smallest input
/// their upsample joins allow), each with its own seed (1, 2, ...).
inline void for_each_zoo_model(const std::function<void(const std::string&, const Graph&, uint64_t)>& check) {
  uint64_t seed = 1;
  for (const auto& name : known_models()) {
    ModelOptions o;
    o.in_channels = 3;
    const bool detector = model_task(name) == ModelTask::kDetect;
    o.input_size = detector ? 32 : 16;
    o.width = detector ? 0.25 : 1.0;
    check(name, build_model(name, o), seed++);
  }
}

/// Output of the original network with `plan`'s blocks bypassed and its pruned channels zeroed
/// everywhere: what the physically pruned network must compute.
inline torch::Tensor masked_reference(const Graph& g, const WeightStore& w, const ChannelAnalysis& a,
                                      const PrunePlan& plan, const torch::Tensor& x) {
  PrunePlan blocks_only;
  blocks_only.removed_blocks = plan.removed_blocks;
  Graph bypassed = apply_plan_to_graph(g, a, blocks_only);
  WeightStore kept_weights;
  for (const auto& [node, tensors] : w.all())
    if (bypassed.has(node))
      for (const auto& [name, t] : tensors) kept_weights.set(node, name, t);
  Executor ex(bypassed, kept_weights);
  const KeptChannels kept = kept_channels(g, a, plan);
  for (int i = 0; i < bypassed.size(); ++i) {
    const Node& n = bypassed.node(i);
    const NodeChannels& k = kept.nodes[g.index_of(n.name)];
    if (k.out_full()) continue;
    auto mask = torch::zeros({k.out_size});
    for (int c : k.out) mask[c] = 1.0f;
    ex.set_channel_mask(n.name, mask);
  }
  ex.eval();
  torch::NoGradGuard ng;
  return all_outputs(ex, x);
}

}  // namespace pk::test
