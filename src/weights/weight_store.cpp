#include "weights/weight_store.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "graph/params.h"

namespace pk {

bool WeightStore::has(const std::string& node, const std::string& tensor) const {
  auto it = tensors_.find(node);
  return it != tensors_.end() && it->second.count(tensor) != 0;
}

const torch::Tensor& WeightStore::get(const std::string& node, const std::string& tensor) const {
  auto it = tensors_.find(node);
  PK_CHECK(it != tensors_.end(), "no weights for node '{}'", node);
  auto jt = it->second.find(tensor);
  PK_CHECK(jt != it->second.end(), "node '{}' has no tensor '{}'", node, tensor);
  return jt->second;
}

torch::Tensor& WeightStore::get(const std::string& node, const std::string& tensor) {
  return const_cast<torch::Tensor&>(static_cast<const WeightStore&>(*this).get(node, tensor));
}

void WeightStore::set(const std::string& node, const std::string& tensor, torch::Tensor value) {
  tensors_[node][tensor] = std::move(value);
}

WeightStore WeightStore::clone() const {
  WeightStore copy;
  for (const auto& [node, ts] : tensors_)
    for (const auto& [name, t] : ts) copy.set(node, name, t.detach().clone());
  return copy;
}

int64_t WeightStore::numel() const {
  int64_t n = 0;
  for (const auto& [node, ts] : tensors_)
    for (const auto& [name, t] : ts) n += t.numel();
  return n;
}

WeightStore WeightStore::initialize(const Graph& graph, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  WeightStore w;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    for (const auto& spec : tensor_specs(graph, i)) {
      torch::Tensor t = torch::empty(spec.shape, torch::kFloat32);
      if (n.op == OpKind::kConv2d && spec.name == "weight") {
        // kaiming_normal_(mode="fan_out", nonlinearity="relu"): std = sqrt(2 / fan_out)
        const double fan_out = static_cast<double>(spec.shape[0] * spec.shape[2] * spec.shape[3]);
        t.normal_(0.0, std::sqrt(2.0 / fan_out), gen);
      } else if (n.op == OpKind::kConv2d && spec.name == "bias") {
        t.zero_();
      } else if (n.op == OpKind::kLinear) {
        const auto& specs = tensor_specs(graph, i);
        const double bound = 1.0 / std::sqrt(static_cast<double>(specs[0].shape[1]));
        t.uniform_(-bound, bound, gen);
      } else if (spec.name == "weight" || spec.name == "running_var") {
        t.fill_(1.0);
      } else {
        t.zero_();
      }
      w.set(n.name, spec.name, t);
    }
  }
  return w;
}

void WeightStore::validate(const Graph& graph, const std::string& source) const {
  size_t expected_nodes = 0;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    const auto specs = tensor_specs(graph, i);
    if (specs.empty()) continue;
    ++expected_nodes;
    auto it = tensors_.find(n.name);
    PK_CHECK(it != tensors_.end(), "{}: missing weights of node '{}'", source, n.name);
    if (it->second.size() != specs.size()) {
      std::vector<std::string> held, wanted;
      for (const auto& [name, t] : it->second) held.push_back(name);
      for (const auto& spec : specs) wanted.push_back(spec.name);
      PK_CHECK(false, "{}: node '{}' has tensors [{}], expected [{}]", source, n.name, fmt::join(held, ", "),
               fmt::join(wanted, ", "));
    }
    for (const auto& spec : specs) {
      auto jt = it->second.find(spec.name);
      PK_CHECK(jt != it->second.end(), "{}: node '{}' lacks tensor '{}'", source, n.name, spec.name);
      const torch::Tensor& t = jt->second;
      PK_CHECK(t.defined(), "{}: tensor {}.{} is empty (undefined)", source, n.name, spec.name);
      std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
      PK_CHECK(shape == spec.shape, "{}: tensor {}.{} has shape [{}], expected [{}]", source, n.name, spec.name,
               fmt::join(shape, ","), fmt::join(spec.shape, ","));
      PK_CHECK(t.scalar_type() == torch::kFloat32, "{}: tensor {}.{} is not float32", source, n.name, spec.name);
      PK_CHECK(torch::isfinite(t).all().item<bool>(), "{}: tensor {}.{} contains NaN or Inf", source, n.name,
               spec.name);
    }
  }
  if (tensors_.size() != expected_nodes) {
    // Every expected node was found above, so some stored node is not expected: name it.
    for (const auto& [name, ts] : tensors_) {
      const int i = graph.index_of(name);
      PK_CHECK(i >= 0, "{}: holds weights for node '{}', which the graph does not have", source, name);
      PK_CHECK(!tensor_specs(graph, i).empty(), "{}: holds weights for node '{}' ({}), which has no weights", source,
               name, op_name(graph.node(i).op));
    }
  }
}

}  // namespace pk
