// Readers for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
// a big-endian header (magic 0x0000080D: unsigned bytes, D dimensions; then D uint32 sizes)
// followed by the bytes. Files may be gzipped (*.gz) or plain; both are read through zlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/raw_images.h"

namespace pk {

/// The whole decompressed content of a gzip file (a non-gzip file is returned as it is).
/// UserError naming `path` if it cannot be opened or the gzip stream is corrupt or truncated.
std::string read_gzip_file(const std::string& path);

/// An IDX array of unsigned bytes.
struct IdxArray {
  std::vector<int64_t> dims;   // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<uint8_t> data;   // product(dims) bytes, row-major
};

/// The magic and dimensions of IDX `bytes` (at least the header; `data` stays empty): UserError
/// naming `source` for a wrong magic, a 0 size, or more than 2^40 declared bytes.
IdxArray parse_idx_header(const std::string& bytes, int expected_rank, const std::string& source);

/// Parses IDX `bytes` that must have `expected_rank` dimensions; `source` (the file name)
/// is named in every UserError: wrong magic, zero sizes, fewer or more bytes than the header says.
IdxArray parse_idx(const std::string& bytes, int expected_rank, const std::string& source);

/// Reads an IDX file (gzipped or plain) of `expected_rank` dimensions, decompressing no more than
/// one byte past what its header declares: a file that decompresses to more (trailing data, a
/// gzip bomb) is a UserError as soon as that byte is read.
IdxArray read_idx_file(const std::string& path, int expected_rank);

/// Reads an images file ([N, H, W], rank 3) and a labels file ([N], rank 1) into N
/// single-channel images. UserError if the counts differ or a label is not in [0, num_classes).
RawImages read_idx_images(const std::string& images_path, const std::string& labels_path,
                          int num_classes);

}  // namespace pk
