// YOLO label files (data/yolo_reader.h): the first byte picks the class count (1..16) and the
// letterbox geometry, the rest is the text of one label file. Every label parse_yolo_labels
// accepts must map into the letterboxed image (a corner-ordered box inside it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "data/yolo_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int num_classes = 1 + data[0] % 16;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto labels = pk::parse_yolo_labels(text, num_classes, "fuzz.txt");
    const int side = 32 + 8 * (data[0] % 8);
    const pk::Letterbox lb = pk::letterbox_geometry(17 + data[0] % 200, 23 + data[0] % 97, side);
    for (const auto& label : labels) {
      if (label.class_id < 0 || label.class_id >= num_classes) std::abort();
      const pk::Box b = pk::letterbox_box(label, lb);
      if (!(b.x1 <= b.x2 && b.y1 <= b.y2 && b.x1 >= 0 && b.y1 >= 0 && b.x2 <= side && b.y2 <= side)) std::abort();
    }
  } catch (const pk::Error&) {
  }
  return 0;
}
