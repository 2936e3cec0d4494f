// Fusions of the ONNX graph that run before the importer's walk: each turns a chain of ONNX
// nodes that torch emits for one module (a LayerNorm written as ReduceMean/Sub/Pow/…/Div, a GELU
// as Div/Erf/Add/Mul/Mul, a Linear on a 4-D tensor as MatMul + Add) into one node of the domain
// kFusedDomain, which the walk maps like any ONNX op. The walk (onnx_import.cpp) sees values one
// node at a time; a pattern that needs several nodes at once is an entry of onnx_fusions(), not a
// lookahead inside a handler. IR-level rewrites that run after the walk are in import_rewrites.h.
// Torch-free.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pk {

/// The domain of fused nodes. Their op types (onnx_fusions.cpp) and inputs:
///   LayerNorm(X, Scale?, B?)  attrs axis (the one axis normalised), epsilon
///   GELU(X)                    the erf form
///   MatMulAdd(X, W, B)         X·W + B, B a constant
inline constexpr const char* kFusedDomain = "prunekit.fused";

/// The node list of a graph while fusions rewrite it: nodes in topological order (a fused node
/// takes the place of the last node it replaces), which nodes are still live, and for each value
/// its producer and how often it is read (by live nodes and graph outputs).
class FusionGraph {
 public:
  explicit FusionGraph(const onnx::GraphProto& graph);

  int size() const { return static_cast<int>(nodes_.size()); }
  const onnx::NodeProto& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  bool live(int i) const { return live_[static_cast<size_t>(i)]; }
  /// The live node whose output 0 is `value`, or −1 (an initializer, a graph input, another output).
  int producer(const std::string& value) const;
  /// The single live node reading `value`, or −1 if none or several read it or it is a graph output.
  int only_reader(const std::string& value) const;
  int readers(const std::string& value) const;
  /// The live nodes reading `value`, each once, in order.
  std::vector<int> reading(const std::string& value) const;
  /// The value of a one-element float initializer or Constant node, else nullopt.
  std::optional<double> scalar(const std::string& value) const;
  /// `value` is an initializer or the output of a Constant node.
  bool constant(const std::string& value) const;
  /// Replaces the live nodes `matched` by `fused`, which must write the output of the last of them.
  void replace(const std::vector<int>& matched, onnx::NodeProto fused);
  std::vector<onnx::NodeProto> take_live_nodes() &&;

 private:
  void index();

  const onnx::GraphProto& graph_;
  std::vector<onnx::NodeProto> nodes_;
  std::vector<bool> live_;
  std::unordered_map<std::string, int> producer_;
  std::unordered_map<std::string, std::vector<int>> readers_;  // value → live reading nodes (once per input)
  std::unordered_map<std::string, int> output_uses_;           // graph outputs
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
};

struct OnnxFusion {
  const char* name;     // "layer-norm"
  const char* pattern;  // what it matches and what it becomes, for docs
  /// Fuses every match; returns the number of matches.
  int (*apply)(FusionGraph& graph);
};

/// Every fusion, in the order they run.
const std::vector<OnnxFusion>& onnx_fusions();

/// The graph's nodes with every fusion applied, in topological order.
std::vector<onnx::NodeProto> fused_onnx_nodes(const onnx::GraphProto& graph);

}  // namespace pk
