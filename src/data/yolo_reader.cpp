#include "data/yolo_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "core/system_memory.h"
#include "data/image_folder_reader.h"

namespace pk {

namespace fs = std::filesystem;

namespace {

constexpr double kSlack = 1e-6;  // tolerance on the [0, 1] range of normalized coordinates

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

bool is_yolo_image(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png", ".bmp"};
  return kExtensions.count(lower(p.extension().string())) != 0 && !is_hidden(p);
}

// Regular files under `dir` (sub-folders too, hidden ones skipped) accepted by `keep`, in path order.
template <typename Keep>
std::vector<fs::path> files_under(const fs::path& dir, Keep keep) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && is_hidden(it->path())) {
      it.disable_recursion_pending();
    } else if (it->is_regular_file() && keep(it->path())) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What pairs an image with its label: the path below its split folder without the extension
// (images/train/seq1/x.jpg and labels/train/seq1/x.txt are both "seq1/x").
std::string pairing_key(const fs::path& file, const fs::path& split_dir) {
  return fs::path(file).lexically_relative(split_dir).replace_extension().generic_string();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  PK_CHECK(in.good(), "cannot read '{}'", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  PK_CHECK(!in.bad(), "cannot read '{}'", path.string());
  return text.str();
}

// Lines of `text` without '\r' and surrounding whitespace. A leading UTF-8 byte order mark is dropped.
std::vector<std::string> text_lines(const std::string& text) {
  const bool bom = text.rfind("\xEF\xBB\xBF", 0) == 0;
  std::vector<std::string> lines = split(bom ? text.substr(3) : text, '\n');
  for (std::string& line : lines) line = trim(line);
  return lines;
}

int parse_class_id(const std::string& token, int num_classes, const std::string& where) {
  char* end = nullptr;
  errno = 0;
  const long long id = std::strtoll(token.c_str(), &end, 10);
  PK_CHECK(end == token.c_str() + token.size() && errno == 0,
           "{}: class id '{}' is not an integer (expected 'class cx cy w h')", where, token);
  PK_CHECK(id >= 0 && id < num_classes, "{}: class id {} is out of range: classes.txt has {} classes (ids 0..{})",
           where, id, num_classes, num_classes - 1);
  return static_cast<int>(id);
}

// A normalized coordinate in [0, 1] (with kSlack), or, if `size`, also > 0.
float parse_coordinate(const std::string& token, const char* name, bool size, const std::string& where) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(token.c_str(), &end);
  PK_CHECK(end == token.c_str() + token.size() && errno == 0 && std::isfinite(v),
           "{}: {} '{}' is not a number (expected 'class cx cy w h', normalized to [0, 1])", where, name, token);
  PK_CHECK(v >= -kSlack && v <= 1 + kSlack,
           "{}: {} = {} is outside [0, 1] (coordinates are normalized by the image width / height)", where, name, token);
  PK_CHECK(!size || v > 0, "{}: box size {} = {} must be > 0", where, name, token);
  return static_cast<float>(std::clamp(v, 0.0, 1.0));
}

YoloLabel parse_label_line(const std::string& line, int num_classes, const std::string& where) {
  std::istringstream fields(line);
  std::vector<std::string> tokens;
  for (std::string t; fields >> t;) tokens.push_back(t);
  PK_CHECK(tokens.size() == 5, "{}: expected 5 fields 'class cx cy w h' (normalized to [0, 1]), got {}", where,
           tokens.size());
  YoloLabel label;
  label.class_id = parse_class_id(tokens[0], num_classes, where);
  label.cx = parse_coordinate(tokens[1], "cx", false, where);
  label.cy = parse_coordinate(tokens[2], "cy", false, where);
  label.w = parse_coordinate(tokens[3], "w", true, where);
  label.h = parse_coordinate(tokens[4], "h", true, where);
  return label;
}

// The image of every pairing key under `images_dir`; UserError on a key used twice.
std::map<std::string, fs::path> images_by_key(const std::vector<fs::path>& images, const fs::path& images_dir) {
  std::map<std::string, fs::path> out;
  for (const fs::path& image : images) {
    const std::string key = pairing_key(image, images_dir);
    const auto [it, inserted] = out.emplace(key, image);
    PK_CHECK(inserted, "images '{}' and '{}' have the same name: their labels would both be '{}.txt'",
             it->second.string(), image.string(), key);
  }
  return out;
}

void check_labels_have_images(const fs::path& labels_dir, const std::map<std::string, fs::path>& images,
                              const fs::path& images_dir) {
  const auto is_txt = [](const fs::path& p) { return p.extension() == ".txt" && !is_hidden(p); };
  for (const fs::path& label : files_under(labels_dir, is_txt)) {
    const std::string key = pairing_key(label, labels_dir);
    PK_CHECK(images.count(key) != 0,
             "label file '{}' has no image: expected '{}/{}' with extension jpg, jpeg, png or bmp", label.string(),
             images_dir.string(), key);
  }
}

void check_memory(const std::string& dir, size_t files, const YoloFolderOptions& options) {
  const double bytes = 3.0 * options.image_size * options.image_size * static_cast<double>(files);
  const uint64_t limit = options.memory_limit > 0 ? options.memory_limit : available_memory_bytes();
  PK_CHECK(limit == 0 || 2 * bytes <= static_cast<double>(limit),
           "'{}': {} images letterboxed to {} px are {} and need about {} while the data set is built, more than the "
           "{} available; use a smaller --image-size or fewer images", dir, files, options.image_size,
           human_bytes(bytes), human_bytes(2 * bytes), human_bytes(static_cast<double>(limit)));
}

// Decodes, letterboxes and appends `image` (planar) to `out`; returns its geometry.
Letterbox append_letterboxed(const fs::path& image, int size, RawImages& out) {
  const DecodedImage decoded = decode_image(image.string(), 3);
  const Letterbox g = letterbox_geometry(decoded.width, decoded.height, size);
  const DecodedImage content = resize_image(decoded, g.content_width, g.content_height, image.string());
  const size_t plane = static_cast<size_t>(size) * size;
  const size_t base = out.pixels.size();
  out.pixels.resize(base + 3 * plane, kLetterboxFill);
  for (int c = 0; c < 3; ++c) {
    uint8_t* dst = out.pixels.data() + base + c * plane;
    for (int y = 0; y < g.content_height; ++y) {
      const uint8_t* src = content.hwc.data() + static_cast<size_t>(y) * g.content_width * 3 + c;
      uint8_t* row = dst + static_cast<size_t>(y + g.pad_y) * size + g.pad_x;
      for (int x = 0; x < g.content_width; ++x) row[x] = src[static_cast<size_t>(x) * 3];
    }
  }
  ++out.count;
  return g;
}

}  // namespace

Letterbox letterbox_geometry(int width, int height, int size) {
  PK_ASSERT(width > 0 && height > 0 && size > 0, "letterbox of a {}x{} image to {}", width, height, size);
  const double scale = std::min(static_cast<double>(size) / width, static_cast<double>(size) / height);
  Letterbox g;
  g.content_width = std::clamp(static_cast<int>(std::lround(width * scale)), 1, size);
  g.content_height = std::clamp(static_cast<int>(std::lround(height * scale)), 1, size);
  g.pad_x = (size - g.content_width) / 2;
  g.pad_y = (size - g.content_height) / 2;
  return g;
}

Box letterbox_box(const YoloLabel& label, const Letterbox& g) {
  const auto clip = [](float v) { return std::clamp(v, 0.0f, 1.0f); };
  const float w = static_cast<float>(g.content_width), h = static_cast<float>(g.content_height);
  const float px = static_cast<float>(g.pad_x), py = static_cast<float>(g.pad_y);
  return Box{px + clip(label.cx - label.w / 2) * w, py + clip(label.cy - label.h / 2) * h,
             px + clip(label.cx + label.w / 2) * w, py + clip(label.cy + label.h / 2) * h};
}

std::vector<std::string> read_yolo_classes(const std::string& path) {
  std::error_code ec;
  PK_CHECK(fs::is_regular_file(path, ec),
           "yolo: missing class list '{}' (one class name per line; line k names class id k-1)", path);
  std::vector<std::string> lines = text_lines(read_text(path));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  PK_CHECK(!lines.empty(), "yolo: class list '{}' is empty (expected one class name per line)", path);
  std::set<std::string> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    PK_CHECK(!lines[i].empty(), "'{}' line {}: empty class name (expected one class name per line)", path, i + 1);
    PK_CHECK(seen.insert(lines[i]).second, "'{}' line {}: duplicate class name '{}'", path, i + 1, lines[i]);
  }
  return lines;
}

std::vector<YoloLabel> parse_yolo_labels(const std::string& text, int num_classes, const std::string& file) {
  std::vector<YoloLabel> labels;
  const std::vector<std::string> lines = text_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    labels.push_back(parse_label_line(lines[i], num_classes, fmt::format("'{}' line {}", file, i + 1)));
  }
  return labels;
}

std::string yolo_test_split(const std::string& root) {
  std::error_code ec;
  const fs::path images = fs::path(root) / "images";
  if (fs::is_directory(images / "val", ec)) return "val";
  PK_CHECK(fs::is_directory(images / "test", ec), "yolo: '{}' has neither images/val nor images/test (expected "
           "ROOT/images/{{train,val}}/*.jpg and ROOT/labels/{{train,val}}/*.txt)", root);
  return "test";
}

RawImages read_yolo_split(const std::string& root, const std::string& split, int num_classes,
                          const YoloFolderOptions& options) {
  PK_CHECK(options.image_size >= 32 && options.image_size <= 4096, "yolo: image size must be in [32, 4096], got {}",
           options.image_size);
  const fs::path images_dir = fs::path(root) / "images" / split;
  const fs::path labels_dir = fs::path(root) / "labels" / split;
  std::error_code ec;
  PK_CHECK(fs::is_directory(images_dir, ec), "yolo: missing image folder '{}' (expected ROOT/images/{}/*.jpg)",
           images_dir.string(), split);
  PK_CHECK(fs::is_directory(labels_dir, ec),
           "yolo: missing label folder '{}' (expected ROOT/labels/{}/NAME.txt for each image NAME.jpg)",
           labels_dir.string(), split);
  const std::vector<fs::path> images = files_under(images_dir, is_yolo_image);
  PK_CHECK(!images.empty(), "yolo: image folder '{}' has no images (expected jpg, jpeg, png or bmp files)",
           images_dir.string());
  check_labels_have_images(labels_dir, images_by_key(images, images_dir), images_dir);
  check_memory(images_dir.string(), images.size(), options);

  RawImages out;
  out.channels = 3;
  out.height = out.width = options.image_size;
  out.labeled = false;
  for (const fs::path& image : images) {
    const Letterbox g = append_letterboxed(image, options.image_size, out);
    std::vector<ObjectBox> objects;
    const fs::path label_file = labels_dir / (pairing_key(image, images_dir) + ".txt");
    if (fs::is_regular_file(label_file, ec)) {
      for (const YoloLabel& l : parse_yolo_labels(read_text(label_file), num_classes, label_file.string()))
        objects.push_back(ObjectBox{l.class_id, letterbox_box(l, g)});
    }
    out.objects.push_back(std::move(objects));
  }
  return out;
}

}  // namespace pk
