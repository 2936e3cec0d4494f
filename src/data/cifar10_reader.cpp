#include "data/cifar10_reader.h"

#include <cstring>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/strings.h"

namespace pk {

namespace fs = std::filesystem;

std::string cifar10_batches_dir(const std::string& path) {
  const fs::path nested = fs::path(path) / "cifar-10-batches-bin";
  std::error_code ec;
  return fs::is_directory(nested, ec) ? nested.string() : path;
}

std::vector<std::string> cifar10_files(const std::string& batches_dir, bool train) {
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i)
      files.push_back((fs::path(batches_dir) / fmt::format("data_batch_{}.bin", i)).string());
  } else {
    files.push_back((fs::path(batches_dir) / "test_batch.bin").string());
  }
  return files;
}

std::vector<std::string> cifar10_class_names(const std::string& batches_dir) {
  const fs::path meta = fs::path(batches_dir) / "batches.meta.txt";
  std::error_code ec;
  if (!fs::is_regular_file(meta, ec)) {
    return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  }
  std::vector<std::string> names;
  for (const std::string& line : split(read_file(meta.string()), '\n')) {
    const std::string name = trim(line);
    if (!name.empty()) names.push_back(name);
  }
  PK_CHECK(names.size() == 10, "'{}' lists {} class names, expected 10 (one per line)", meta.string(),
           names.size());
  return names;
}

RawImages read_cifar10_files(const std::vector<std::string>& files) {
  RawImages out;
  out.channels = 3;
  out.height = out.width = kCifarSide;
  const size_t image_bytes = kCifarRecordBytes - 1;
  for (const std::string& file : files) {
    std::error_code ec;
    PK_CHECK(fs::is_regular_file(file, ec),
             "CIFAR-10 file '{}' is missing: expected the binary version's data_batch_1.bin … "
             "data_batch_5.bin and test_batch.bin", file);
    const std::string bytes = read_file(file);
    PK_CHECK(!bytes.empty(), "CIFAR-10 file '{}' is empty", file);
    PK_CHECK(bytes.size() % kCifarRecordBytes == 0,
             "CIFAR-10 file '{}' is truncated or not a CIFAR-10 binary batch: {} bytes is not a "
             "whole number of {}-byte records", file, bytes.size(), kCifarRecordBytes);
    const size_t records = bytes.size() / kCifarRecordBytes;
    const size_t pixel_base = out.pixels.size();
    out.pixels.resize(pixel_base + records * image_bytes);
    out.labels.reserve(out.labels.size() + records);
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    for (size_t r = 0; r < records; ++r, p += kCifarRecordBytes) {
      PK_CHECK(p[0] < 10, "CIFAR-10 file '{}': label {} of record {} is out of range [0, 10)", file,
               int{p[0]}, r);
      out.labels.push_back(p[0]);
      // The record's planes are already [3, 32, 32] row-major.
      std::memcpy(out.pixels.data() + pixel_base + r * image_bytes, p + 1, image_bytes);
    }
    out.count += static_cast<int64_t>(records);
  }
  return out;
}

}  // namespace pk
