// Builds small ONNX models in C++ (libonnx protobuf types) for the torch-free importer tests:
//   OnnxMaker m;                                   // input "x" [N,3,8,8], opset 13
//   m.init("w", {4, 3, 3, 3});                     // initializer filled with 0.01·k
//   m.node("Conv", "/conv1/Conv", {"x", "w"}, {"y"}, [](auto* n) { ints(n, "pads", {1,1,1,1}); });
//   m.output("y");
//   std::string bytes = m.bytes();
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/onnx_import.h"

namespace pk::iotest {

/// Tensor `name` of IR node `node` in an import result; throws if there is none.
inline const ImportedTensor& tensor(const OnnxImport& r, const std::string& node, const std::string& name) {
  for (const auto& t : r.tensors)
    if (t.node == node && t.tensor == name) return t;
  throw std::runtime_error("no tensor " + node + "." + name);
}

inline void ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
inline void int_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void float_attr(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void string_attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

class OnnxMaker {
 public:
  /// One float input named `input` of shape [N, dims...] (N symbolic unless `batch` > 0).
  explicit OnnxMaker(std::vector<int64_t> dims = {3, 8, 8}, int64_t opset = 13, const std::string& input = "x",
                     int64_t batch = 0) {
    model_.set_ir_version(7);
    model_.set_producer_name("test");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    auto* in = model_.mutable_graph()->add_input();
    in->set_name(input);
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    if (batch > 0)
      t->mutable_shape()->add_dim()->set_dim_value(batch);
    else
      t->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& ins,
                        const std::vector<std::string>& outs,
                        const std::function<void(onnx::NodeProto*)>& attrs = nullptr) {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : ins) n->add_input(i);
    for (const auto& o : outs) n->add_output(o);
    if (attrs) attrs(n);
    return n;
  }

  /// FLOAT initializer; values default to 0.01·k (k = flat index) so weights are distinguishable.
  onnx::TensorProto* init(const std::string& name, const std::vector<int64_t>& dims, std::vector<float> values = {}) {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    if (values.empty())
      for (int64_t k = 0; k < n; ++k) values.push_back(0.01f * static_cast<float>(k % 97));
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return t;
  }

  onnx::TensorProto* init_int(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (auto d : dims) t->add_dims(d);
    for (auto v : values) t->add_int64_data(v);
    return t;
  }

  void output(const std::string& name) { graph().add_output()->set_name(name); }

  std::string bytes() const {
    std::string s;
    model_.SerializeToString(&s);
    return s;
  }

 private:
  onnx::ModelProto model_;
};

}  // namespace pk::iotest
