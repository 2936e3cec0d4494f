// Fixtures for the data tests: a self-deleting temporary directory and writers for small
// IDX (.gz), CIFAR-10 and image files with known contents.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/expect_error.h"  // expect_user_error, used by every data test

namespace pk::testing {

/// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// path()/relative, creating parent directories.
  std::string file(const std::string& relative) const;

 private:
  std::string path_;
};

/// Writes `bytes` gzip-compressed (or plain if !gzip).
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip);
/// The bytes of an IDX file of unsigned bytes: magic 0x0000080D, big-endian dims, data.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                               uint32_t magic = 0);
/// Writes a 4-file MNIST-style set into `dir`: n_train / n_test images of h×w with
/// pixel (i, y, x) = (i * 7 + y * w + x) % 256 and label i % num_classes.
void write_mnist_set(const std::string& dir, int n_train, int n_test, int h = 4, int w = 5,
                     int num_classes = 10);
uint8_t mnist_pixel(int i, int y, int x, int w);

/// Writes CIFAR-10 records: record i has label labels[i] and pixel (c, y, x) = (i + c * 11 + y + x) % 256.
void write_cifar_file(const std::string& path, const std::vector<uint8_t>& labels);
uint8_t cifar_pixel(int i, int c, int y, int x);

/// Writes an image (HWC interleaved pixels) as png, bmp or jpg according to the extension.
void write_image(const std::string& path, int w, int h, int channels, const std::vector<uint8_t>& hwc);

}  // namespace pk::testing
