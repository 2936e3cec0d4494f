#include "io/network_file.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "io/onnx_model.h"
#include "io/torchscript_export.h"

namespace pk {
namespace {

std::string lower_extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

/// The format of `path`, refusing TorchScript (which prunekit writes but cannot read back).
NetworkFormat readable_network_format(const std::string& path) {
  const NetworkFormat format = network_format_from_path(path);
  PK_CHECK(format != NetworkFormat::kTorchScript,
           "'{}': prunekit writes TorchScript but cannot read it back; give the .pkm or an .onnx file", path);
  return format;
}

}  // namespace

const char* network_format_name(NetworkFormat format) {
  switch (format) {
    case NetworkFormat::kPkm: return "pkm";
    case NetworkFormat::kOnnx: return "onnx";
    case NetworkFormat::kTorchScript: return "torchscript";
  }
  PK_ASSERT(false, "invalid NetworkFormat {}", static_cast<int>(format));
}

NetworkFormat parse_network_format(const std::string& name) {
  if (name == "pkm") return NetworkFormat::kPkm;
  if (name == "onnx") return NetworkFormat::kOnnx;
  if (name == "torchscript" || name == "ts") return NetworkFormat::kTorchScript;
  PK_CHECK(false, "unknown format '{}'; use onnx, torchscript or pkm", name);
  return NetworkFormat::kPkm;
}

std::optional<NetworkFormat> network_format_from_extension(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".onnx") return NetworkFormat::kOnnx;
  if (ext == ".pt" || ext == ".ts" || ext == ".torchscript") return NetworkFormat::kTorchScript;
  if (ext == ".pkm") return NetworkFormat::kPkm;
  return std::nullopt;
}

NetworkFormat network_format_from_path(const std::string& path) {
  return network_format_from_extension(path).value_or(NetworkFormat::kPkm);
}

ModelFile load_network(const std::string& path) {
  const bool onnx = readable_network_format(path) == NetworkFormat::kOnnx;
  return onnx ? import_onnx(path) : load_model(path);
}

ModelFile load_network_bytes(const std::string& bytes, const std::string& path) {
  const bool onnx = readable_network_format(path) == NetworkFormat::kOnnx;
  return onnx ? import_onnx_model(bytes, path) : load_model_bytes(bytes, path);
}

void save_network(const std::string& path, const Graph& graph, const WeightStore& weights,
                  const nlohmann::json& metadata, std::optional<NetworkFormat> format) {
  switch (format.value_or(network_format_from_path(path))) {
    case NetworkFormat::kOnnx:
      return export_onnx(path, graph, weights, metadata);
    case NetworkFormat::kTorchScript:
      return export_torchscript(path, graph, weights, metadata);
    case NetworkFormat::kPkm:
      return save_model(path, graph, weights, metadata);
  }
  PK_ASSERT(false, "save_network: invalid format");
}

}  // namespace pk
