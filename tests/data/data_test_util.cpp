#include "data_test_util.h"

#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "core/error.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace pk::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = (fs::temp_directory_path() /
           ("pk_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(rd())))
              .string();
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& relative) const {
  const fs::path p = fs::path(path_) / relative;
  fs::create_directories(p.parent_path());
  return p.string();
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip) {
  fs::create_directories(fs::path(path).parent_path());
  if (!gzip) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
    return;
  }
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                               uint32_t magic) {
  if (magic == 0) magic = 0x0800u | static_cast<uint32_t>(dims.size());
  std::vector<uint8_t> out;
  auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put32(magic);
  for (uint32_t d : dims) put32(d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

uint8_t mnist_pixel(int i, int y, int x, int w) { return static_cast<uint8_t>((i * 7 + y * w + x) % 256); }

void write_mnist_set(const std::string& dir, int n_train, int n_test, int h, int w, int num_classes) {
  for (const bool train : {true, false}) {
    const int n = train ? n_train : n_test;
    std::vector<uint8_t> pixels, labels;
    for (int i = 0; i < n; ++i) {
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) pixels.push_back(mnist_pixel(i, y, x, w));
      labels.push_back(static_cast<uint8_t>(i % num_classes));
    }
    const std::string prefix = dir + (train ? "/train" : "/t10k");
    write_bytes(prefix + "-images-idx3-ubyte.gz",
                idx_bytes({static_cast<uint32_t>(n), static_cast<uint32_t>(h), static_cast<uint32_t>(w)}, pixels),
                true);
    write_bytes(prefix + "-labels-idx1-ubyte.gz", idx_bytes({static_cast<uint32_t>(n)}, labels), true);
  }
}

uint8_t cifar_pixel(int i, int c, int y, int x) { return static_cast<uint8_t>((i + c * 11 + y + x) % 256); }

void write_cifar_file(const std::string& path, const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < labels.size(); ++i) {
    bytes.push_back(labels[i]);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) bytes.push_back(cifar_pixel(static_cast<int>(i), c, y, x));
  }
  write_bytes(path, bytes, false);
}

void write_image(const std::string& path, int w, int h, int channels, const std::vector<uint8_t>& hwc) {
  fs::create_directories(fs::path(path).parent_path());
  const std::string ext = fs::path(path).extension().string();
  int ok = 0;
  if (ext == ".png") {
    ok = stbi_write_png(path.c_str(), w, h, channels, hwc.data(), w * channels);
  } else if (ext == ".bmp") {
    ok = stbi_write_bmp(path.c_str(), w, h, channels, hwc.data());
  } else if (ext == ".jpg") {
    ok = stbi_write_jpg(path.c_str(), w, h, channels, hwc.data(), 100);
  }
  ASSERT_NE(ok, 0) << "could not write " << path;
}


}  // namespace pk::testing
