#include "data/image_folder_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/strings.h"

// Static linkage keeps stb's symbols private to this file, so another library of the project
// may embed stb too without duplicate symbols.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_RESIZE_STATIC
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb/stb_image_resize.h>

namespace pk {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> kExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".gif",
                                                    ".tga", ".ppm", ".pgm", ".pnm"};
  return kExtensions.count(ext) != 0 && p.filename().string().rfind('.', 0) != 0;
}

std::vector<fs::path> image_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct StbiFree {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

}  // namespace

std::vector<std::string> image_folder_classes(const std::string& split_dir) {
  std::error_code ec;
  PK_CHECK(fs::is_directory(split_dir, ec),
           "image folder '{}' does not exist: expected ROOT/train and ROOT/test, each with one "
           "subfolder per class", split_dir);
  std::vector<std::string> classes;
  for (const auto& entry : fs::directory_iterator(split_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind('.', 0) != 0) classes.push_back(name);
  }
  std::sort(classes.begin(), classes.end());
  PK_CHECK(!classes.empty(), "image folder '{}' is empty: expected one subfolder per class",
           split_dir);
  return classes;
}

RawImages read_image_folder(const std::string& split_dir, const std::vector<std::string>& class_names,
                            const ImageFolderOptions& options, bool require_every_class) {
  PK_CHECK(options.channels == 1 || options.channels == 3,
           "image folder: channels must be 1 or 3, got {}", options.channels);
  PK_CHECK(options.image_size >= 0 && options.image_size <= 16384,
           "image folder: image size must be in [0, 16384], got {}", options.image_size);
  for (const std::string& found : image_folder_classes(split_dir)) {
    PK_CHECK(std::find(class_names.begin(), class_names.end(), found) != class_names.end(),
             "image folder '{}' has class folder '{}' that the training folder does not have "
             "(classes: {})", split_dir, found, join(class_names, ", "));
  }
  RawImages out;
  out.channels = options.channels;
  if (options.image_size > 0) out.height = out.width = options.image_size;
  std::string first_file;  // the image that fixed the size, for messages
  std::vector<uint8_t> resized;

  for (size_t label = 0; label < class_names.size(); ++label) {
    const fs::path class_dir = fs::path(split_dir) / class_names[label];
    std::error_code ec;
    const bool exists = fs::is_directory(class_dir, ec);
    PK_CHECK(exists || !require_every_class, "image folder '{}' has no folder for class '{}'",
             split_dir, class_names[label]);
    if (!exists) continue;
    const std::vector<fs::path> files = image_files(class_dir);
    PK_CHECK(!files.empty() || !require_every_class,
             "class folder '{}' has no images (expected png, jpg or bmp files)", class_dir.string());
    for (const fs::path& file : files) {
      int w = 0, h = 0, file_channels = 0;
      std::unique_ptr<unsigned char, StbiFree> data(
          stbi_load(file.string().c_str(), &w, &h, &file_channels, options.channels));
      PK_CHECK(data != nullptr, "cannot decode image '{}': {}", file.string(),
               stbi_failure_reason() ? stbi_failure_reason() : "unknown error");
      const unsigned char* hwc = data.get();
      if (options.image_size > 0) {
        if (w != options.image_size || h != options.image_size) {
          resized.resize(static_cast<size_t>(options.image_size) * options.image_size * options.channels);
          const int ok = stbir_resize_uint8(hwc, w, h, 0, resized.data(), options.image_size,
                                            options.image_size, 0, options.channels);
          PK_CHECK(ok != 0, "cannot resize image '{}' ({}x{}) to {}x{}", file.string(), w, h,
                   options.image_size, options.image_size);
          hwc = resized.data();
          w = h = options.image_size;
        }
      } else if (first_file.empty()) {
        out.height = h;
        out.width = w;
        first_file = file.string();
      } else {
        PK_CHECK(w == out.width && h == out.height,
                 "image '{}' is {}x{} but '{}' is {}x{}: all images must have the same size "
                 "(or pass an image size to resize them)", file.string(), w, h, first_file,
                 out.width, out.height);
      }
      // HWC (interleaved) → CHW (planar).
      const size_t plane = static_cast<size_t>(w) * h;
      const size_t base = out.pixels.size();
      out.pixels.resize(base + plane * options.channels);
      for (int c = 0; c < options.channels; ++c) {
        uint8_t* dst = out.pixels.data() + base + c * plane;
        for (size_t i = 0; i < plane; ++i) dst[i] = hwc[i * options.channels + c];
      }
      out.labels.push_back(static_cast<int64_t>(label));
      ++out.count;
    }
  }
  PK_CHECK(out.count > 0, "image folder '{}' has no images (expected CLASS/*.png, *.jpg or *.bmp)",
           split_dir);
  return out;
}

}  // namespace pk
