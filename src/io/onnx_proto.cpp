#include "io/onnx_proto.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace pk {
namespace {

/// A short description of what non-ONNX bytes look like, for the error message.
std::string sniff(const std::string& bytes) {
  if (bytes.empty()) return "the file is empty";
  if (bytes.rfind("PRUNEKIT", 0) == 0) return "it looks like a prunekit model file (.pkm)";
  if (bytes.rfind("PK\x03\x04", 0) == 0) return "it looks like a zip archive (TorchScript / PyTorch checkpoint?)";
  if (bytes.rfind("\x80", 0) == 0) return "it looks like a Python pickle";
  if (bytes.rfind("\x1f\x8b", 0) == 0) return "it looks like a gzip file";
  const char c = bytes.front();
  if (c == '{' || c == '[') return "it looks like JSON";
  if (c == '#' || std::isalpha(static_cast<unsigned char>(c))) return "it looks like a text file";
  return "it is not a serialized ONNX ModelProto";
}

const char* data_type_name(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return "FLOAT";
    case onnx::TensorProto::UINT8: return "UINT8";
    case onnx::TensorProto::INT8: return "INT8";
    case onnx::TensorProto::UINT16: return "UINT16";
    case onnx::TensorProto::INT16: return "INT16";
    case onnx::TensorProto::INT32: return "INT32";
    case onnx::TensorProto::INT64: return "INT64";
    case onnx::TensorProto::STRING: return "STRING";
    case onnx::TensorProto::BOOL: return "BOOL";
    case onnx::TensorProto::FLOAT16: return "FLOAT16";
    case onnx::TensorProto::DOUBLE: return "DOUBLE";
    case onnx::TensorProto::BFLOAT16: return "BFLOAT16";
    default: return "an unknown type";
  }
}

template <class T>
std::vector<T> from_raw(const std::string& raw, int64_t n, const std::string& where) {
  PK_CHECK(static_cast<int64_t>(raw.size()) == n * static_cast<int64_t>(sizeof(T)),
           "{}: raw_data has {} bytes, dims need {} values of {} bytes ({} bytes)", where, raw.size(), n, sizeof(T),
           n * static_cast<int64_t>(sizeof(T)));
  std::vector<T> v(static_cast<size_t>(n));
  if (n > 0) std::memcpy(v.data(), raw.data(), raw.size());  // ONNX raw_data is little-endian, as is the host
  return v;
}

template <class Field>
void check_count(const Field& field, int64_t n, const char* field_name, const std::string& where) {
  PK_CHECK(static_cast<int64_t>(field.size()) == n, "{}: {} has {} values, dims need {}", where, field_name,
           field.size(), n);
}

const char* attr_type_name(onnx::AttributeProto::AttributeType t) {
  switch (t) {
    case onnx::AttributeProto::FLOAT: return "float";
    case onnx::AttributeProto::INT: return "int";
    case onnx::AttributeProto::STRING: return "string";
    case onnx::AttributeProto::TENSOR: return "tensor";
    case onnx::AttributeProto::FLOATS: return "floats";
    case onnx::AttributeProto::INTS: return "ints";
    default: return "another type";
  }
}

}  // namespace

onnx::ModelProto parse_onnx_model(const std::string& bytes, const std::string& source) {
  PK_CHECK(!bytes.empty(), "'{}' is not an ONNX model: the file is empty", source);
  PK_CHECK(bytes.size() < static_cast<size_t>(INT_MAX), "'{}' is larger than 2 GiB, the protobuf limit of ONNX files",
           source);
  onnx::ModelProto model;
  const bool ok = model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  PK_CHECK(ok, "'{}' is not a valid ONNX model: protobuf parsing failed ({}; is the file truncated or not ONNX?)",
           source, sniff(bytes));
  PK_CHECK(model.has_graph() && model.graph().node_size() + model.graph().output_size() > 0,
           "'{}' is not an ONNX model: it has no graph ({})", source, sniff(bytes));
  return model;
}

ConstTensor decode_tensor(const onnx::TensorProto& t, const std::string& where) {
  PK_CHECK(t.data_location() != onnx::TensorProto::EXTERNAL && t.external_data_size() == 0,
           "{}: tensor data is stored in an external file; save the model with the weights inside the .onnx "
           "(onnx.save(model, path, save_as_external_data=False))",
           where);
  PK_CHECK(!t.has_segment(), "{}: segmented tensors are not supported", where);
  ConstTensor c;
  int64_t n = 1;
  for (auto d : t.dims()) {
    PK_CHECK(d >= 0, "{}: tensor has a negative dimension {}", where, d);
    PK_CHECK(d == 0 || n <= (int64_t{1} << 40) / d, "{}: tensor dims [{}] are too large", where,
             fmt::join(t.dims(), ","));
    n *= d;
    c.dims.push_back(d);
  }
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw) {
        c.floats = from_raw<float>(t.raw_data(), n, where);
      } else {
        check_count(t.float_data(), n, "float_data", where);
        c.floats.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d;
      if (raw) {
        d = from_raw<double>(t.raw_data(), n, where);
      } else {
        check_count(t.double_data(), n, "double_data", where);
        d.assign(t.double_data().begin(), t.double_data().end());
      }
      c.floats.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::INT64:
      c.is_float = false;
      if (raw) {
        c.ints = from_raw<int64_t>(t.raw_data(), n, where);
      } else {
        check_count(t.int64_data(), n, "int64_data", where);
        c.ints.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto::INT32: {
      c.is_float = false;
      if (raw) {
        auto v = from_raw<int32_t>(t.raw_data(), n, where);
        c.ints.assign(v.begin(), v.end());
      } else {
        check_count(t.int32_data(), n, "int32_data", where);
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    }
    default:
      PK_CHECK(false, "{}: tensor element type {} is not supported (FLOAT, DOUBLE, INT64 or INT32 expected)", where,
               data_type_name(t.data_type()));
  }
  return c;
}

void encode_float_tensor(onnx::TensorProto* out, const std::string& name, const std::vector<int64_t>& dims,
                         const float* data) {
  out->set_name(name);
  out->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (auto d : dims) {
    out->add_dims(d);
    n *= d;
  }
  out->set_raw_data(std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(n) * sizeof(float)));
}

void encode_int64_tensor(onnx::TensorProto* out, const std::string& name, const std::vector<int64_t>& dims,
                         const std::vector<int64_t>& values) {
  out->set_name(name);
  out->set_data_type(onnx::TensorProto::INT64);
  for (auto d : dims) out->add_dims(d);
  out->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
}

OnnxAttrs::OnnxAttrs(const onnx::NodeProto& node, std::string where) : node_(node), where_(std::move(where)) {}

const onnx::AttributeProto* OnnxAttrs::find(const std::string& name) const {
  for (const auto& a : node_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

const onnx::AttributeProto& OnnxAttrs::expect(const std::string& name,
                                              onnx::AttributeProto::AttributeType type) const {
  const onnx::AttributeProto* a = find(name);
  PK_ASSERT(a != nullptr, "attribute {} looked up without has()", name);
  // Old writers leave `type` unset (UNDEFINED); trust the populated field then.
  PK_CHECK(a->type() == type || a->type() == onnx::AttributeProto::UNDEFINED,
           "{}: attribute '{}' is of type {}, expected {}", where_, name, attr_type_name(a->type()),
           attr_type_name(type));
  return *a;
}

int64_t OnnxAttrs::i(const std::string& name, int64_t fallback) const {
  return has(name) ? expect(name, onnx::AttributeProto::INT).i() : fallback;
}

float OnnxAttrs::f(const std::string& name, float fallback) const {
  return has(name) ? expect(name, onnx::AttributeProto::FLOAT).f() : fallback;
}

std::string OnnxAttrs::s(const std::string& name, const std::string& fallback) const {
  return has(name) ? expect(name, onnx::AttributeProto::STRING).s() : fallback;
}

std::vector<int64_t> OnnxAttrs::ints(const std::string& name, const std::vector<int64_t>& fallback) const {
  if (!has(name)) return fallback;
  const auto& a = expect(name, onnx::AttributeProto::INTS);
  return {a.ints().begin(), a.ints().end()};
}

ConstTensor OnnxAttrs::tensor(const std::string& name) const {
  PK_CHECK(has(name), "{}: attribute '{}' is missing", where_, name);
  return decode_tensor(expect(name, onnx::AttributeProto::TENSOR).t(), where_ + " attribute '" + name + "'");
}

void OnnxAttrs::expect_only(const std::vector<std::string>& known) const {
  for (const auto& a : node_.attribute())
    PK_CHECK(std::find(known.begin(), known.end(), a.name()) != known.end(),
             "{}: attribute '{}' is not supported (known: {})", where_, a.name(), fmt::join(known, ", "));
}

double float_to_double(float value) {
  // fmt prints the shortest representation that round-trips as float.
  return std::stod(fmt::format("{}", value));
}

}  // namespace pk
