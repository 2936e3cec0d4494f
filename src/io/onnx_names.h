// Names of imported nodes: ONNX node and value names become legal, unique, recognizable IR
// names (letters, digits and _ . / : -). torch.onnx.export (torch ≥ 1.13) names nodes by module
// scope, e.g. "/layer1/layer1.0/conv1/Conv"; those become the module's state_dict prefix,
// "layer1.0.conv1", so imported names match the PyTorch model's parameter names.
#pragma once

#include <string>
#include <unordered_set>

namespace pk {

/// Replaces every character that is not legal in an IR name by '_'.
std::string sanitize_name(const std::string& name);

/// The IR name for a node named like torch.onnx.export's scopes ("/a/a.0/conv/Conv" →
/// "a.0.conv"); functional ops (Add, Mul, Concat, Flatten, Reshape, Gather, Pad) get their op
/// appended ("/layer1/layer1.0/Add" → "layer1.0.add"), and an op at the top level is named by
/// its op ("/Flatten" → "flatten"). Returns "" if `node_name` is not a scope path (no leading '/').
std::string torch_scope_name(const std::string& node_name, const std::string& op_type);

/// Hands out unique names: the wanted name if free, else wanted_1, wanted_2, ...
class NameAllocator {
 public:
  /// Sanitizes `wanted` ("node" if empty) and makes it unique.
  std::string take(const std::string& wanted);
  bool used(const std::string& name) const { return used_.count(name) != 0; }

 private:
  std::unordered_set<std::string> used_;
};

}  // namespace pk
