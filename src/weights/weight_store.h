// WeightStore: the tensors of a network, keyed by node name then tensor name, exactly as
// graph/params.h specifies ("conv1" → {"weight": [16,1,3,3]}, "bn1" → {"weight", "bias",
// "running_mean", "running_var"}). All tensors are float32, contiguous, on CPU.
// Copies of a WeightStore share tensor storage (torch semantics); use clone() for a deep copy.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

#include "graph/graph.h"

namespace pk {

class WeightStore {
 public:
  using NodeTensors = std::map<std::string, torch::Tensor>;

  bool has(const std::string& node, const std::string& tensor) const;
  /// UserError naming node and tensor if absent.
  const torch::Tensor& get(const std::string& node, const std::string& tensor) const;
  torch::Tensor& get(const std::string& node, const std::string& tensor);
  void set(const std::string& node, const std::string& tensor, torch::Tensor value);

  const std::map<std::string, NodeTensors>& all() const { return tensors_; }
  /// Deep copy (new storage, requires_grad cleared).
  WeightStore clone() const;
  /// Total number of elements of all tensors.
  int64_t numel() const;

  /// Fresh weights for `graph` with the torch.nn defaults of each layer: Conv2d kaiming-normal
  /// (fan_out, ReLU gain) as in torchvision ResNets, BN γ=1 β=0 mean=0 var=1, Linear
  /// U(±1/√in) weights and biases. Deterministic for a given seed.
  static WeightStore initialize(const Graph& graph, uint64_t seed);

  /// UserError unless the store holds exactly the tensors tensor_specs() lists for `graph`,
  /// with the same shapes and finite values; `source` names the origin in messages.
  void validate(const Graph& graph, const std::string& source) const;

 private:
  std::map<std::string, NodeTensors> tensors_;
};

}  // namespace pk
