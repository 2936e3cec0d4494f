// Executor: a functional forward pass over the graph IR with libtorch ops.
// It holds the graph and a WeightStore whose tensors ARE the parameters (shared storage):
// training updates them in place, and BN running statistics are updated in train mode.
// Tensors: inputs/outputs are float32 [N, ...per-sample shape] on CPU.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

class Executor {
 public:
  /// Validates that `weights` matches `graph` (UserError otherwise).
  Executor(Graph graph, WeightStore weights);
  Executor(const Executor&) = delete;  // node_tensors_ points into weights_
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const { return graph_; }
  /// The parameters, shared with the executor (read them, save them, update them in place;
  /// replacing a tensor object is not seen by the executor).
  const WeightStore& weights() const { return weights_; }

  /// Train mode uses batch statistics in BN and updates the running statistics.
  void train(bool on = true) { training_ = on; }
  void eval() { training_ = false; }
  bool training() const { return training_; }
  /// In train mode, BN layers update running statistics with this momentum instead of their
  /// own (running = (1−m)·running + m·batch); a negative value restores their own. BN
  /// recalibration uses m = 1/(k+1) at batch k for an exact average over the batches.
  void set_bn_momentum_override(double momentum) { bn_momentum_override_ = momentum; }

  /// Single-input graphs: returns the first output. UserError if x does not match the input shape.
  torch::Tensor forward(const torch::Tensor& x);
  /// One tensor per Input node (in graph order); returns every graph output in order.
  std::vector<torch::Tensor> forward_all(const std::vector<torch::Tensor>& inputs);
  /// Like forward(), and also returns the outputs of the nodes named in `taps` (UserError for an
  /// unknown name). The graph's first output is under its own name as well.
  std::map<std::string, torch::Tensor> forward_taps(const torch::Tensor& x, const std::vector<std::string>& taps);

  /// Multiplies node `name`'s output by `mask` along dim 1 (mask: float [C] of that output's
  /// channels; usually 0/1). Used to emulate pruning without changing shapes.
  void set_channel_mask(const std::string& name, const torch::Tensor& mask);
  void clear_channel_masks() { masks_.clear(); }

  /// Trainable tensors (conv/linear weights and biases, BN γ/β), with requires_grad set.
  std::vector<torch::Tensor> parameters();

 private:
  void run(const std::vector<torch::Tensor>& inputs, std::vector<torch::Tensor>& values,
           const std::vector<bool>& keep);
  torch::Tensor run_node(int index, const std::vector<torch::Tensor>& values);

  Graph graph_;
  WeightStore weights_;
  bool training_ = false;
  double bn_momentum_override_ = -1;
  std::map<int, torch::Tensor> masks_;          // node index → [1, C, 1, 1] or [1, C]
  std::vector<int> last_use_;                   // node index → last consumer index (free after)
  std::vector<std::vector<torch::Tensor*>> node_tensors_;  // per node, in tensor_specs order (into weights_)
};

}  // namespace pk
