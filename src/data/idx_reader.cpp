#include "data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/error.h"

namespace pk {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

namespace {

/// At most `limit` decompressed bytes of `path` (all of them for SIZE_MAX); UserError naming
/// the file if it cannot be opened or the gzip stream is corrupt or truncated before `limit`.
std::string read_gzip_prefix(const std::string& path, size_t limit) {
  namespace fs = std::filesystem;
  std::error_code ec;
  PK_CHECK(fs::is_regular_file(path, ec), "cannot open '{}': no such file", path);
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  PK_CHECK(file != nullptr, "cannot open '{}' for reading", path);
  gzbuffer(file.get(), 1 << 17);

  std::string out;
  // The compressed size is a lower bound that avoids most reallocations for image files.
  const auto compressed = fs::file_size(path, ec);
  if (!ec) out.reserve(std::min(limit, static_cast<size_t>(compressed) * 2));
  constexpr unsigned kChunk = 1u << 20;
  std::vector<char> chunk(kChunk);
  while (out.size() < limit) {
    const unsigned want = static_cast<unsigned>(std::min<size_t>(kChunk, limit - out.size()));
    const int n = gzread(file.get(), chunk.data(), want);
    if (n < 0) break;  // error, reported below
    out.append(chunk.data(), static_cast<size_t>(n));
    if (n < static_cast<int>(want)) break;
  }
  int err = Z_OK;
  const char* msg = gzerror(file.get(), &err);
  PK_CHECK(err == Z_OK || err == Z_STREAM_END,
           "'{}' is not a valid gzip file (corrupt or truncated: {} after {} decompressed bytes)",
           path, msg ? msg : "unknown zlib error", out.size());
  return out;
}

size_t idx_header_bytes(int rank) { return 4 + 4 * static_cast<size_t>(rank); }

}  // namespace

std::string read_gzip_file(const std::string& path) { return read_gzip_prefix(path, SIZE_MAX); }

IdxArray read_idx_file(const std::string& path, int expected_rank) {
  const size_t header = idx_header_bytes(expected_rank);
  const IdxArray declared = parse_idx_header(read_gzip_prefix(path, header), expected_rank, path);
  size_t total = 1;
  for (int64_t d : declared.dims) total *= static_cast<size_t>(d);  // ≤ 2^40: parse_idx_header
  total += header;
  // One byte past what the header declares is enough to report trailing data: a file that
  // decompresses to gigabytes (a gzip bomb) is never read further.
  const std::string bytes = read_gzip_prefix(path, total + 1);
  PK_CHECK(bytes.size() <= total, "'{}' decompresses to more than the {} bytes its IDX header declares (trailing "
           "bytes; reading stopped at {} bytes)", path, total, bytes.size());
  return parse_idx(bytes, expected_rank, path);
}

IdxArray parse_idx_header(const std::string& bytes, int expected_rank, const std::string& source) {
  PK_ASSERT(expected_rank >= 1 && expected_rank <= 4, "rank {}", expected_rank);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  PK_CHECK(bytes.size() >= 4, "'{}' is not an IDX file: {} bytes, shorter than the 4-byte magic",
           source, bytes.size());
  const uint32_t magic = read_be32(p);
  const uint32_t expected_magic = 0x0800u | static_cast<uint32_t>(expected_rank);
  PK_CHECK(magic == expected_magic,
           "'{}' has wrong IDX magic 0x{:08x}: expected 0x{:08x} (unsigned bytes, {} dimensions)",
           source, magic, expected_magic, expected_rank);
  const size_t header = idx_header_bytes(expected_rank);
  PK_CHECK(bytes.size() >= header, "'{}' is truncated: {} bytes, shorter than its {}-byte IDX header",
           source, bytes.size(), header);
  IdxArray out;
  size_t total = 1;
  for (int d = 0; d < expected_rank; ++d) {
    const uint32_t size = read_be32(p + 4 + 4 * d);
    PK_CHECK(size > 0, "'{}': IDX dimension {} is 0", source, d);
    out.dims.push_back(size);
    PK_CHECK(total <= (size_t{1} << 40) / size, "'{}': IDX sizes are implausibly large", source);
    total *= size;
  }
  return out;
}

IdxArray parse_idx(const std::string& bytes, int expected_rank, const std::string& source) {
  IdxArray out = parse_idx_header(bytes, expected_rank, source);
  const size_t header = idx_header_bytes(expected_rank);
  size_t total = 1;
  for (int64_t d : out.dims) total *= static_cast<size_t>(d);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t have = bytes.size() - header;
  PK_CHECK(have >= total,
           "'{}' is truncated: its header says {} data bytes, the file has only {} (shorter than "
           "its header says)", source, total, have);
  PK_CHECK(have == total, "'{}' has {} trailing bytes after the {} data bytes its header says",
           source, have - total, total);
  out.data.assign(p + header, p + header + total);
  return out;
}

RawImages read_idx_images(const std::string& images_path, const std::string& labels_path,
                          int num_classes) {
  IdxArray images = read_idx_file(images_path, 3);
  const IdxArray labels = read_idx_file(labels_path, 1);
  PK_CHECK(images.dims[0] == labels.dims[0],
           "image/label count mismatch: '{}' has {} images but '{}' has {} labels", images_path,
           images.dims[0], labels_path, labels.dims[0]);
  PK_CHECK(images.dims[1] <= 65535 && images.dims[2] <= 65535, "'{}': image size {}x{} is too large",
           images_path, images.dims[1], images.dims[2]);
  RawImages out;
  out.count = images.dims[0];
  out.channels = 1;
  out.height = static_cast<int>(images.dims[1]);
  out.width = static_cast<int>(images.dims[2]);
  out.pixels = std::move(images.data);
  out.labels.resize(labels.data.size());
  for (size_t i = 0; i < labels.data.size(); ++i) {
    const int label = labels.data[i];
    PK_CHECK(label < num_classes, "'{}': label {} of sample {} is out of range [0, {})", labels_path,
             label, i, num_classes);
    out.labels[i] = label;
  }
  return out;
}

}  // namespace pk
