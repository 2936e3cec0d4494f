// Reader for an image-folder dataset: ROOT/SPLIT/CLASS/IMAGE, one subfolder per class,
// images in any format stb_image decodes (png, jpg/jpeg, bmp, also gif, tga, ppm/pgm).
// Class names are the subfolder names of ROOT/train, sorted; labels are their indices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/raw_images.h"

namespace pk {

struct ImageFolderOptions {
  int channels = 3;    // 1 (grayscale, luminance) or 3 (RGB); every image is converted
  int image_size = 0;  // > 0: resize every image to image_size×image_size (aspect ratio not
                       // kept); 0: every image must have the size of the first one
  /// Bytes the decoded images may take at their peak (twice their size: the pixels and the
  /// tensor made from them); 0 = what the machine has available (/proc/meminfo). The readers
  /// refuse, before decoding, a folder that would need more.
  uint64_t memory_limit = 0;
};

/// A decoded image, interleaved (HWC) bytes.
struct DecodedImage {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> hwc;  // [height, width, channels]
};

/// Decodes `path` (any format stb_image reads) converted to `channels` (1: luminance, 3: RGB,
/// grey replicated). UserError naming the file if it cannot be read or decoded.
DecodedImage decode_image(const std::string& path, int channels);

/// `image` resized to new_width × new_height (stb_image_resize; a copy when the size is
/// unchanged). UserError naming `what` if resizing fails.
DecodedImage resize_image(const DecodedImage& image, int new_width, int new_height, const std::string& what);

/// Sorted class subfolder names of `split_dir`; UserError if it is missing or has none.
std::vector<std::string> image_folder_classes(const std::string& split_dir);

/// Reads every image of `split_dir`/CLASS/ for each class in `class_names` (label = index),
/// files in name order; subfolders of `split_dir` that are not in `class_names` are a
/// UserError, as are undecodable images (named), size mismatches (when image_size == 0),
/// a class folder of `split_dir` without images when `require_every_class`, and no images at all.
RawImages read_image_folder(const std::string& split_dir, const std::vector<std::string>& class_names,
                            const ImageFolderOptions& options, bool require_every_class);

/// Every image file directly in `dir` (name order), unlabeled (RawImages::labeled false).
/// UserError if `dir` is missing or holds no image (subfolders are a UserError too: they look
/// like a labelled folder, which is the 'folder' dataset).
RawImages read_unlabeled_images(const std::string& dir, const ImageFolderOptions& options);

}  // namespace pk
