// The prunekit model file (".pkm"): one self-contained file holding a network's graph, its
// weights and free-form metadata. Byte layout in docs/formats.md ("Model file (.pkm)"):
//   magic(16) | version u32 | header_nbytes u64 | data_nbytes u64 | header JSON | zero pad to 64
//   | tensor data (float32 LE, each tensor 64-byte aligned) | CRC32 u32 | end marker(8)
// Saving is deterministic: the same graph, weights and metadata give the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

/// Everything a .pkm file holds. After load_model, `weights` holds exactly the tensors
/// tensor_specs() lists for `graph` (validated), float32, contiguous, on CPU.
struct ModelFile {
  Graph graph;
  WeightStore weights;
  /// Free-form JSON object: training recipe, dataset, accuracy, normalization, class names,
  /// parent model, plan... prunekit never interprets it. Always an object after load.
  nlohmann::json metadata = nlohmann::json::object();
};

/// Current (and only) format version written and read by this prunekit.
inline constexpr uint32_t kModelFileVersion = 1;

/// Writes graph + weights + metadata to `path` atomically (temporary file + rename): on any
/// error no file is created and an existing file at `path` is left untouched.
/// UserError (before anything is written) if `weights` does not match `graph`
/// (WeightStore::validate: missing/extra tensors, wrong shapes, NaN/Inf), if `metadata` is
/// neither null nor a JSON object (null is stored as {}), if it holds invalid UTF-8, or if
/// `path` is not writable. Tensors are stored detached, as contiguous float32 CPU copies.
void save_model(const std::string& path, const Graph& graph, const WeightStore& weights,
                const nlohmann::json& metadata = nlohmann::json::object());

/// Reads and validates a model file. Every problem is a UserError naming `path` and what is
/// wrong: missing file; not a prunekit model (the message says if it looks like ONNX/protobuf,
/// a zip/TorchScript archive, a pickle, gzip, JSON, a graph text file...); unsupported version;
/// truncated (expected vs actual size); checksum mismatch (corrupt); malformed header; graph
/// text errors (with the line); weights not matching the graph (naming the node).
/// Lengths in the file are checked against the file size before anything is allocated, and
/// the checksum is verified before the header is parsed.
ModelFile load_model(const std::string& path);
/// load_model of a file's bytes read elsewhere (e.g. broadcast over MPI); `path` names it in errors.
ModelFile load_model_bytes(const std::string& bytes, const std::string& path);

}  // namespace pk
