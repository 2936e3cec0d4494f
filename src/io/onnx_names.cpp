#include "io/onnx_names.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/strings.h"

namespace pk {
namespace {

bool legal_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == ':' || c == '-';
}

/// "Conv_12" → "conv"; "GlobalAveragePool" → "globalaveragepool".
std::string op_word(std::string op) {
  auto us = op.rfind('_');
  if (us != std::string::npos && us + 1 < op.size() &&
      std::all_of(op.begin() + us + 1, op.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    op.resize(us);
  std::transform(op.begin(), op.end(), op.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  return op;
}

bool functional_op(const std::string& op) {
  static const std::vector<std::string> ops{"Add", "Mul", "Concat", "Flatten", "Reshape", "Gather", "Pad", "Sub", "Div"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

}  // namespace

std::string sanitize_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!legal_char(c)) c = '_';
  return out;
}

std::string torch_scope_name(const std::string& node_name, const std::string& op_type) {
  if (node_name.size() < 2 || node_name[0] != '/') return "";
  std::vector<std::string> parts = split(node_name.substr(1), '/');
  const std::string op = op_word(parts.back());
  parts.pop_back();
  // Each scope is a module's attribute name, either relative ("conv1") or already qualified by
  // its parent ("layer1.0" under "layer1"); build the qualified module path.
  std::string path;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (path.empty() || p.rfind(path + ".", 0) == 0)
      path = p;
    else
      path += "." + p;
  }
  if (path.empty()) return op;
  return functional_op(op_type) ? path + "." + op : path;
}

std::string NameAllocator::take(const std::string& wanted) {
  std::string base = sanitize_name(wanted.empty() ? std::string("node") : wanted);
  std::string name = base;
  for (int k = 1; used_.count(name) != 0; ++k) name = base + "_" + std::to_string(k);
  used_.insert(name);
  return name;
}

}  // namespace pk
