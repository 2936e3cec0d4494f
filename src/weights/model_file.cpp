#include "weights/model_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <ostream>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/params.h"
#include "graph/text_format.h"

namespace pk {
namespace {

using nlohmann::json;

// ---- layout (docs/formats.md, "Model file (.pkm)") ----------------------------------------
constexpr char kMagic[16] = {'P', 'R', 'U', 'N', 'E', 'K', 'I', 'T', '\0', 'M', 'O', 'D', 'E', 'L', '\0', '\0'};
constexpr char kEndMarker[8] = {'E', 'N', 'D', 'M', 'O', 'D', 'E', 'L'};
constexpr uint64_t kVersionOffset = 16;
constexpr uint64_t kHeaderLengthOffset = 20;
constexpr uint64_t kDataLengthOffset = 28;
constexpr uint64_t kPreambleBytes = 36;  // magic, version, header_nbytes, data_nbytes
constexpr uint64_t kTrailerBytes = 12;   // CRC32, end marker
constexpr uint64_t kAlignment = 64;      // data section start and every tensor offset
// No real model comes near this; larger declared lengths are corruption, and rejecting them
// keeps all size arithmetic below far from uint64 overflow.
constexpr uint64_t kMaxLength = uint64_t(1) << 56;

uint64_t align_up(uint64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; }

void put_le(std::string& out, uint64_t v, int nbytes) {
  for (int i = 0; i < nbytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_le(const std::string& s, uint64_t pos, int nbytes) {
  uint64_t v = 0;
  for (int i = 0; i < nbytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

bool host_is_little_endian() {
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

/// zlib crc32 over any length (zlib's length argument is 32-bit).
uint32_t crc_update(uint32_t crc, const char* p, uint64_t n) {
  uLong c = crc;
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<uint64_t>(n, uint64_t(1) << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

uint32_t crc_init() { return static_cast<uint32_t>(crc32(0L, Z_NULL, 0)); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

/// What a file that is not a .pkm appears to be, for the "not a prunekit model" message.
std::string describe_foreign(const std::string& b) {
  auto byte = [&](size_t i) { return i < b.size() ? static_cast<unsigned char>(b[i]) : -1; };
  std::string first;
  for (size_t i = 0; i < std::min<size_t>(b.size(), 8); ++i) first += fmt::format("{}{:02x}", i ? " " : "", byte(i));
  std::string kind;
  if (starts_with(b, std::string("PK\x03\x04", 4)) || starts_with(b, std::string("PK\x05\x06", 4))) {
    kind = "it is a zip archive (a TorchScript module or a torch.save checkpoint?); convert it to ONNX or a "
           ".pkm first";
  } else if (byte(0) == 0x08) {
    kind = "it looks like an ONNX model (a protobuf message starting with field 1, ir_version); import ONNX "
           "files with `prunekit import` (every --model also reads .onnx files directly)";
  } else if (byte(0) == 0x80 && byte(1) >= 2 && byte(1) <= 5) {
    kind = "it looks like a Python pickle (a legacy torch.save file?)";
  } else if (byte(0) == 0x1f && byte(1) == 0x8b) {
    kind = "it is gzip-compressed; decompress it first";
  } else if (starts_with(b, "\x89HDF")) {
    kind = "it is an HDF5 file (a Keras model?)";
  } else if (starts_with(b, "# prunekit graph")) {
    kind = "it is a prunekit graph text file (graph only, no weights)";
  } else if (starts_with(b, "PRUNEKIT")) {
    kind = "it is a prunekit file of another kind";
  } else if (b.size() > 8 && b[8] == '{') {
    kind = "it looks like a safetensors file";
  } else {
    const auto p = b.find_first_not_of(" \t\r\n");
    if (p != std::string::npos && (b[p] == '{' || b[p] == '[')) kind = "it looks like a JSON file";
  }
  return fmt::format("{}{}starts with bytes [{}], a .pkm starts with \"PRUNEKIT\\0MODEL\\0\\0\"", kind,
                     kind.empty() ? "it " : "; it ", first);
}

/// Magic check; a file that is a strict prefix of the magic is reported as truncated.
void check_magic(const std::string& path, const std::string& bytes) {
  const size_t n = std::min(bytes.size(), sizeof kMagic);
  PK_CHECK(!bytes.empty(), "'{}' is empty (0 bytes): truncated, or not a prunekit model", path);
  PK_CHECK(std::memcmp(bytes.data(), kMagic, n) == 0, "'{}' is not a prunekit model (.pkm): {}", path,
           describe_foreign(bytes));
  PK_CHECK(bytes.size() >= sizeof kMagic,
           "'{}' is truncated: {} bytes, it ends inside the 16-byte magic of a prunekit model", path, bytes.size());
}

// ---- header field access with messages naming the file and the entry -----------------------

const json& field(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  PK_CHECK(it != obj.end(), "{}: missing field \"{}\"", where, key);
  return *it;
}

uint64_t unsigned_field(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  PK_CHECK(v.is_number_unsigned(), "{}: field \"{}\" must be a non-negative integer, got {}", where, key, v.dump());
  return v.get<uint64_t>();
}

std::string string_field(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  PK_CHECK(v.is_string(), "{}: field \"{}\" must be a string, got {}", where, key, v.dump());
  return v.get<std::string>();
}

/// Reads one "tensors" entry and copies its data out of the file.
void read_tensor(const json& entry, const std::string& where, const std::string& bytes, uint64_t data_start,
                 uint64_t data_nbytes, WeightStore& weights) {
  PK_CHECK(entry.is_object(), "{}: expected an object, got {}", where, entry.dump());
  const std::string node = string_field(entry, "node", where);
  const std::string tensor = string_field(entry, "tensor", where);
  const std::string name = where + " (" + node + "." + tensor + ")";
  const std::string dtype = string_field(entry, "dtype", name);
  PK_CHECK(dtype == "float32", "{}: unsupported dtype \"{}\" (this prunekit reads float32)", name, dtype);
  const json& shape_json = field(entry, "shape", name);
  PK_CHECK(shape_json.is_array(), "{}: field \"shape\" must be an array, got {}", name, shape_json.dump());
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  for (const json& d : shape_json) {
    PK_CHECK(d.is_number_unsigned() && d.get<uint64_t>() <= kMaxLength,
             "{}: shape {} must list non-negative integers", name, shape_json.dump());
    const uint64_t dim = d.get<uint64_t>();
    numel = (dim == 0 || numel == 0) ? 0 : (numel > kMaxLength / dim ? kMaxLength + 1 : numel * dim);
    shape.push_back(static_cast<int64_t>(dim));
  }
  const uint64_t offset = unsigned_field(entry, "offset", name);
  const uint64_t nbytes = unsigned_field(entry, "nbytes", name);
  PK_CHECK(numel <= kMaxLength && nbytes == numel * sizeof(float), "{}: nbytes {} does not match shape {} of float32",
           name, nbytes, shape_json.dump());
  PK_CHECK(offset <= data_nbytes && nbytes <= data_nbytes - offset,
           "{}: bytes [{}, {}) lie outside the {}-byte data section", name, offset, offset + nbytes, data_nbytes);
  PK_CHECK(!weights.has(node, tensor), "{}: tensor listed twice", name);
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  if (nbytes > 0) std::memcpy(t.data_ptr<float>(), bytes.data() + data_start + offset, nbytes);
  weights.set(node, tensor, std::move(t));
}

}  // namespace

void save_model(const std::string& path, const Graph& graph, const WeightStore& weights, const json& metadata) {
  const std::string where = fmt::format("saving '{}'", path);
  PK_ASSERT(host_is_little_endian(), "the model file writer supports little-endian hosts only");
  // Everything that can be wrong with the inputs is checked before a byte is written.
  weights.validate(graph, where);
  PK_CHECK(metadata.is_null() || metadata.is_object(), "{}: metadata must be a JSON object, got a JSON {}", where,
           metadata.type_name());
  check_writable_path(path);

  // Tensors in graph order, then tensor_specs order; each offset 64-byte aligned.
  struct Entry {
    torch::Tensor data;  // contiguous float32 CPU
    uint64_t offset = 0;
  };
  std::vector<Entry> entries;
  json tensors = json::array();
  uint64_t data_nbytes = 0;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    for (const auto& spec : tensor_specs(graph, i)) {
      torch::Tensor t = weights.get(n.name, spec.name).detach().to(torch::kCPU, torch::kFloat32).contiguous();
      const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * sizeof(float);
      const uint64_t offset = align_up(data_nbytes);
      tensors.push_back({{"node", n.name},
                         {"tensor", spec.name},
                         {"dtype", "float32"},
                         {"shape", spec.shape},
                         {"offset", offset},
                         {"nbytes", nbytes}});
      entries.push_back({std::move(t), offset});
      data_nbytes = offset + nbytes;
    }
  }
  const json header = {{"graph", graph_to_text(graph)},
                       {"metadata", metadata.is_null() ? json::object() : metadata},
                       {"tensors", std::move(tensors)}};
  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const json::exception& e) {
    throw UserError(fmt::format("{}: metadata cannot be written as JSON: {}", where, e.what()));
  }

  std::string head(kMagic, sizeof kMagic);
  put_le(head, kModelFileVersion, 4);
  put_le(head, header_text.size(), 8);
  put_le(head, data_nbytes, 8);
  head += header_text;
  head.resize(align_up(head.size()), '\0');

  write_file_atomically(path, [&](std::ostream& out) {
    uint32_t crc = crc_init();
    auto emit = [&](const char* p, uint64_t n) {
      out.write(p, static_cast<std::streamsize>(n));
      crc = crc_update(crc, p, n);
    };
    static const char zeros[kAlignment] = {};
    emit(head.data(), head.size());
    uint64_t pos = 0;
    for (const Entry& e : entries) {
      emit(zeros, e.offset - pos);
      const uint64_t nbytes = static_cast<uint64_t>(e.data.numel()) * sizeof(float);
      emit(static_cast<const char*>(e.data.data_ptr()), nbytes);
      pos = e.offset + nbytes;
    }
    std::string trailer;
    put_le(trailer, crc, 4);
    trailer.append(kEndMarker, sizeof kEndMarker);
    out.write(trailer.data(), static_cast<std::streamsize>(trailer.size()));
  });
}

ModelFile load_model(const std::string& path) {
  return load_model_bytes(read_file(path), path);  // UserError if missing or a directory
}

ModelFile load_model_bytes(const std::string& bytes, const std::string& path) {
  PK_ASSERT(host_is_little_endian(), "the model file reader supports little-endian hosts only");
  const uint64_t size = bytes.size();

  // 1. Preamble: magic, version, lengths.
  check_magic(path, bytes);
  PK_CHECK(size >= kPreambleBytes, "'{}' is truncated: {} bytes, shorter than the {}-byte preamble of a prunekit model",
           path, size, kPreambleBytes);
  const uint64_t version = get_le(bytes, kVersionOffset, 4);
  PK_CHECK(version == kModelFileVersion,
           "'{}' is a prunekit model of unsupported format version {}; this prunekit reads version {} (written by "
           "a newer prunekit?)",
           path, version, kModelFileVersion);
  const uint64_t header_nbytes = get_le(bytes, kHeaderLengthOffset, 8);
  const uint64_t data_nbytes = get_le(bytes, kDataLengthOffset, 8);
  // A truncated file has lost its end marker; a file that still ends with one but has the
  // wrong size has a damaged preamble.
  const bool ends_with_marker =
      size >= kPreambleBytes + kTrailerBytes &&
      std::memcmp(bytes.data() + size - sizeof kEndMarker, kEndMarker, sizeof kEndMarker) == 0;
  PK_CHECK(header_nbytes <= kMaxLength && data_nbytes <= kMaxLength,
           "'{}' is corrupt: its preamble declares a {}-byte header and {} bytes of data, the file has {} bytes", path,
           header_nbytes, data_nbytes, size);
  const uint64_t data_start = align_up(kPreambleBytes + header_nbytes);
  const uint64_t expected = data_start + data_nbytes + kTrailerBytes;
  if (size < expected && !ends_with_marker)
    throw UserError(fmt::format("'{}' is truncated: expected {} bytes, the file has {} ({} missing)", path, expected,
                                size, expected - size));
  PK_CHECK(size == expected,
           "'{}' is corrupt: its preamble declares {} bytes in total (a {}-byte header, {} bytes of data), the file "
           "has {} bytes",
           path, expected, header_nbytes, data_nbytes, size);
  PK_CHECK(ends_with_marker, "'{}' is corrupt: the end marker \"ENDMODEL\" is missing", path);

  // 2. Checksum over everything before it, before anything is parsed.
  const uint64_t crc_offset = size - kTrailerBytes;
  const uint32_t stored = static_cast<uint32_t>(get_le(bytes, crc_offset, 4));
  const uint32_t computed = crc_update(crc_init(), bytes.data(), crc_offset);
  PK_CHECK(stored == computed,
           "'{}' is corrupt: checksum mismatch (stored CRC32 {:08x}, computed {:08x}); the file was damaged after it "
           "was written",
           path, stored, computed);

  // 3. Header.
  json header;
  try {
    header = json::parse(bytes.begin() + kPreambleBytes, bytes.begin() + kPreambleBytes + header_nbytes);
  } catch (const json::exception& e) {
    throw UserError(fmt::format("'{}': the header is not valid JSON: {}", path, e.what()));
  }
  const std::string where = fmt::format("'{}' header", path);
  PK_CHECK(header.is_object(), "{}: expected a JSON object", where);

  ModelFile model;
  model.graph = graph_from_text(string_field(header, "graph", where), fmt::format("{} (graph text)", path));
  auto meta = header.find("metadata");
  if (meta != header.end()) {
    PK_CHECK(meta->is_object(), "{}: \"metadata\" must be a JSON object, got {}", where, meta->type_name());
    model.metadata = *meta;
  }
  const json& tensors = field(header, "tensors", where);
  PK_CHECK(tensors.is_array(), "{}: \"tensors\" must be an array", where);
  for (size_t i = 0; i < tensors.size(); ++i)
    read_tensor(tensors[i], fmt::format("{}: tensors[{}]", where, i), bytes, data_start, data_nbytes, model.weights);

  // 4. Weights against the graph.
  model.weights.validate(model.graph, fmt::format("'{}'", path));
  return model;
}

}  // namespace pk
