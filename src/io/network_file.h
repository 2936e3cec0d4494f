// One entry point for every file a network can be read from or written to, chosen by the file
// extension (or an explicit format):
//   .onnx                     ONNX          read (import_onnx) and write (export_onnx)
//   .pt .ts .torchscript      TorchScript   write only (export_torchscript)
//   anything else             prunekit model file (.pkm), read and write
// Commands that take --model or --out use these, so every model argument also accepts ONNX.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "graph/graph.h"
#include "weights/model_file.h"
#include "weights/weight_store.h"

namespace pk {

enum class NetworkFormat { kPkm, kOnnx, kTorchScript };

const char* network_format_name(NetworkFormat format);  // "pkm", "onnx", "torchscript"
/// "pkm" | "onnx" | "torchscript"; UserError listing them otherwise.
NetworkFormat parse_network_format(const std::string& name);
/// By extension: .onnx, .pt/.ts/.torchscript, .pkm; nullopt for any other extension.
std::optional<NetworkFormat> network_format_from_extension(const std::string& path);
/// As above, with every other extension read as a prunekit model file.
NetworkFormat network_format_from_path(const std::string& path);

/// Reads a .onnx (import) or a prunekit model file; UserError naming the file otherwise
/// (a TorchScript archive cannot be read back: keep the .pkm or an .onnx).
ModelFile load_network(const std::string& path);
/// load_network of the bytes of the file at `path`, read elsewhere (e.g. broadcast over MPI).
ModelFile load_network_bytes(const std::string& bytes, const std::string& path);

/// Writes graph + weights (+ metadata, kept by every format) atomically in `format`, or in the
/// format of `path`'s extension.
void save_network(const std::string& path, const Graph& graph, const WeightStore& weights,
                  const nlohmann::json& metadata = nlohmann::json::object(),
                  std::optional<NetworkFormat> format = std::nullopt);

}  // namespace pk
