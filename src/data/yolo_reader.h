// Reader for a YOLO-format detection folder (the ultralytics layout), torch-free:
//   ROOT/classes.txt                 class names, one per line (line k = class id k−1); required
//   ROOT/images/SPLIT/NAME.EXT       EXT one of jpg, jpeg, png, bmp (any case); not recursive
//   ROOT/labels/SPLIT/NAME.txt       one line per object: `class cx cy w h`, the class a 0-based
//                                    integer id, the box centre and size normalized by the image
//                                    width / height to [0, 1] (1e-6 slack), w and h > 0
// SPLIT is `train` and `val` (or `test` when there is no `val`). An image without a label file
// has no objects (a background image, as in ultralytics); blank label lines are skipped; a label
// file without an image, two images with the same NAME, or any bad line is a UserError naming
// the file and line. Every image is decoded to RGB (grey replicated, alpha dropped) and
// letterboxed to S×S: scaled to fit keeping its aspect ratio, centred, padded with grey 114; the
// boxes are converted to pixels of the letterboxed image and clipped to the image content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/raw_images.h"

namespace pk {

constexpr uint8_t kLetterboxFill = 114;

struct YoloFolderOptions {
  int image_size = 416;      // S, in [32, 4096]
  uint64_t memory_limit = 0; // bytes the decoded set may take at its peak; 0 = what is available
};

/// One label line, normalized coordinates.
struct YoloLabel {
  int class_id = 0;
  float cx = 0, cy = 0, w = 0, h = 0;
};

/// Where an image of width × height lands in the S×S letterbox: scaled to content_width ×
/// content_height pixels (≥ 1) with its top-left corner at (pad_x, pad_y).
struct Letterbox {
  int content_width = 0, content_height = 0, pad_x = 0, pad_y = 0;
};

/// scale = min(S / width, S / height); content = round(size · scale); pad = ⌊(S − content) / 2⌋.
Letterbox letterbox_geometry(int width, int height, int size);

/// The label's box in pixels of the letterbox (corners clipped to [0, 1] before mapping):
/// x = pad_x + x_normalized · content_width, likewise y.
Box letterbox_box(const YoloLabel& label, const Letterbox& geometry);

/// The class names of ROOT/classes.txt (`path`): lines trimmed, trailing blank lines ignored.
/// UserError if missing, empty, or with a blank line inside or a duplicate name (line named).
std::vector<std::string> read_yolo_classes(const std::string& path);

/// The label lines of `text` (the contents of `file`, named in errors), for ids < num_classes.
std::vector<YoloLabel> parse_yolo_labels(const std::string& text, int num_classes, const std::string& file);

/// "val" if ROOT/images/val exists, else "test"; UserError if neither does.
std::string yolo_test_split(const std::string& root);

/// Every image of ROOT/images/`split` (name order), letterboxed, with its objects.
/// UserError for a missing images or labels folder, no images, and the cases above.
RawImages read_yolo_split(const std::string& root, const std::string& split, int num_classes,
                          const YoloFolderOptions& options);

}  // namespace pk
