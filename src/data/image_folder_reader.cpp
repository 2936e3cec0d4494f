#include "data/image_folder_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/system_memory.h"
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

DecodedImage decode_image(const std::string& path, int channels) {
  PK_ASSERT(channels == 1 || channels == 3, "decode_image: channels must be 1 or 3, got {}", channels);
  int w = 0, h = 0, file_channels = 0;
  std::unique_ptr<unsigned char, StbiFree> data(stbi_load(path.c_str(), &w, &h, &file_channels, channels));
  PK_CHECK(data != nullptr, "cannot decode image '{}': {}", path,
           stbi_failure_reason() ? stbi_failure_reason() : "unknown error");
  DecodedImage out{w, h, channels, {}};
  out.hwc.assign(data.get(), data.get() + static_cast<size_t>(w) * h * channels);
  return out;
}

DecodedImage resize_image(const DecodedImage& image, int new_width, int new_height, const std::string& what) {
  if (new_width == image.width && new_height == image.height) return image;
  DecodedImage out{new_width, new_height, image.channels, {}};
  out.hwc.resize(static_cast<size_t>(new_width) * new_height * image.channels);
  const int ok = stbir_resize_uint8(image.hwc.data(), image.width, image.height, 0, out.hwc.data(), new_width,
                                    new_height, 0, image.channels);
  PK_CHECK(ok != 0, "cannot resize image '{}' ({}x{}) to {}x{}", what, image.width, image.height, new_width, new_height);
  return out;
}

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

namespace {

void check_options(const ImageFolderOptions& options) {
  PK_CHECK(options.channels == 1 || options.channels == 3,
           "image folder: channels must be 1 or 3, got {}", options.channels);
  PK_CHECK(options.image_size >= 0 && options.image_size <= 16384,
           "image folder: image size must be in [0, 16384], got {}", options.image_size);
}

/// UserError before any decoding if `files` would not fit in memory once decoded: C·H·W bytes
/// each (the requested size, or the first image's from its header), twice that at the peak.
void check_decoded_size(const std::string& dir, const std::vector<fs::path>& files, const ImageFolderOptions& options) {
  if (files.empty()) return;
  int w = options.image_size, h = options.image_size, file_channels = 0;
  if (options.image_size == 0 && stbi_info(files.front().string().c_str(), &w, &h, &file_channels) == 0)
    return;  // undecodable: decoding names the file
  const double per_image = static_cast<double>(w) * h * options.channels;
  const double peak = 2 * per_image * static_cast<double>(files.size());
  const uint64_t limit = options.memory_limit > 0 ? options.memory_limit : available_memory_bytes();
  PK_CHECK(limit == 0 || peak <= static_cast<double>(limit),
           "'{}': {} images of {}x{}x{} are {} decoded and need about {} while the data set is built, more than the "
           "{} this machine has available; use a smaller --image-size, fewer images, or a machine with more memory",
           dir, files.size(), options.channels, h, w, human_bytes(peak / 2), human_bytes(peak), human_bytes(static_cast<double>(limit)));
}

/// Decodes images one by one into a RawImages of one geometry (the first image's, or the
/// requested size).
class ImageAppender {
 public:
  ImageAppender(RawImages& out, const ImageFolderOptions& options) : out_(out), options_(options) {
    out_.channels = options.channels;
    if (options.image_size > 0) out_.height = out_.width = options.image_size;
  }

  void append(const fs::path& file) {
    int w = 0, h = 0, file_channels = 0;
    std::unique_ptr<unsigned char, StbiFree> data(
        stbi_load(file.string().c_str(), &w, &h, &file_channels, options_.channels));
    PK_CHECK(data != nullptr, "cannot decode image '{}': {}", file.string(),
             stbi_failure_reason() ? stbi_failure_reason() : "unknown error");
    const unsigned char* hwc = data.get();
    if (options_.image_size > 0) {
      if (w != options_.image_size || h != options_.image_size) {
        resized_.resize(static_cast<size_t>(options_.image_size) * options_.image_size * options_.channels);
        const int ok = stbir_resize_uint8(hwc, w, h, 0, resized_.data(), options_.image_size, options_.image_size, 0,
                                          options_.channels);
        PK_CHECK(ok != 0, "cannot resize image '{}' ({}x{}) to {}x{}", file.string(), w, h, options_.image_size,
                 options_.image_size);
        hwc = resized_.data();
        w = h = options_.image_size;
      }
    } else if (first_file_.empty()) {
      out_.height = h;
      out_.width = w;
      first_file_ = file.string();
    } else {
      PK_CHECK(w == out_.width && h == out_.height,
               "image '{}' is {}x{} but '{}' is {}x{}: all images must have the same size "
               "(or pass an image size to resize them)", file.string(), w, h, first_file_, out_.width, out_.height);
    }
    // HWC (interleaved) → CHW (planar).
    const size_t plane = static_cast<size_t>(w) * h;
    const size_t base = out_.pixels.size();
    out_.pixels.resize(base + plane * options_.channels);
    for (int c = 0; c < options_.channels; ++c) {
      uint8_t* dst = out_.pixels.data() + base + c * plane;
      for (size_t i = 0; i < plane; ++i) dst[i] = hwc[i * options_.channels + c];
    }
    ++out_.count;
  }

 private:
  RawImages& out_;
  const ImageFolderOptions& options_;
  std::string first_file_;  // the image that fixed the size, for messages
  std::vector<uint8_t> resized_;
};

}  // namespace

RawImages read_image_folder(const std::string& split_dir, const std::vector<std::string>& class_names,
                            const ImageFolderOptions& options, bool require_every_class) {
  check_options(options);
  for (const std::string& found : image_folder_classes(split_dir)) {
    PK_CHECK(std::find(class_names.begin(), class_names.end(), found) != class_names.end(),
             "image folder '{}' has class folder '{}' that the training folder does not have "
             "(classes: {})", split_dir, found, join(class_names, ", "));
  }
  std::vector<fs::path> files;  // every image, class by class
  std::vector<int64_t> labels;
  for (size_t label = 0; label < class_names.size(); ++label) {
    const fs::path class_dir = fs::path(split_dir) / class_names[label];
    std::error_code ec;
    const bool exists = fs::is_directory(class_dir, ec);
    PK_CHECK(exists || !require_every_class, "image folder '{}' has no folder for class '{}'",
             split_dir, class_names[label]);
    if (!exists) continue;
    const std::vector<fs::path> class_files = image_files(class_dir);
    PK_CHECK(!class_files.empty() || !require_every_class,
             "class folder '{}' has no images (expected png, jpg or bmp files)", class_dir.string());
    files.insert(files.end(), class_files.begin(), class_files.end());
    labels.insert(labels.end(), class_files.size(), static_cast<int64_t>(label));
  }
  check_decoded_size(split_dir, files, options);
  RawImages out;
  ImageAppender appender(out, options);
  for (const fs::path& file : files) appender.append(file);
  out.labels = std::move(labels);
  PK_CHECK(out.count > 0, "image folder '{}' has no images (expected CLASS/*.png, *.jpg or *.bmp)",
           split_dir);
  return out;
}

RawImages read_unlabeled_images(const std::string& dir, const ImageFolderOptions& options) {
  check_options(options);
  std::error_code ec;
  PK_CHECK(fs::is_directory(dir, ec), "image directory '{}' does not exist (expected DIR/*.png, unlabeled)", dir);
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    PK_CHECK(!entry.is_directory() || name.rfind('.', 0) == 0,
             "image directory '{}' has a subfolder '{}': the 'images' dataset is a flat directory of "
             "unlabeled images (a folder per class is the 'folder' dataset)", dir, name);
  }
  const std::vector<fs::path> files = image_files(dir);
  check_decoded_size(dir, files, options);
  RawImages out;
  out.labeled = false;
  ImageAppender appender(out, options);
  for (const fs::path& file : files) appender.append(file);
  PK_CHECK(out.count > 0, "image directory '{}' has no images (expected *.png, *.jpg or *.bmp)", dir);
  return out;
}

}  // namespace pk
