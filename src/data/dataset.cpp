#include "data/dataset.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/strings.h"
#include "data/cifar10_reader.h"
#include "data/idx_reader.h"
#include "data/image_folder_reader.h"
#include "data/shapes_dataset.h"
#include "data/split.h"
#include "data/yolo_reader.h"

namespace pk {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
const std::vector<std::string> kDigitClasses = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

// What a built-in dataset looks like and where it lives by default.
struct Builtin {
  const char* name;
  const char* default_path;
  const char* install_hint;  // how to get the files, for "missing file" messages
  int channels, side;
  Normalization normalization;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> kBuiltins = {
      {"fashion-mnist", "/usr/share/datasets/fashion-mnist",
       "install the Debian package dataset-fashion-mnist or pass --data-path DIR", 1, 28,
       {{0.2860f}, {0.3530f}}},
      {"mnist", "/usr/share/datasets/mnist",
       "download the MNIST IDX files into that folder or pass --data-path DIR", 1, 28,
       {{0.1307f}, {0.3081f}}},
      {"cifar10", "/usr/share/datasets/cifar10",
       "download the CIFAR-10 binary version (cifar-10-binary.tar.gz), unpack it there or pass "
       "--data-path DIR (cifar-10-batches-bin or its parent)", 3, 32,
       {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}}},
  };
  return kBuiltins;
}

const Builtin* find_builtin(const std::string& name) {
  for (const Builtin& b : builtins())
    if (name == b.name) return &b;
  return nullptr;
}

// "<dir>/<base>.gz" if it exists, else "<dir>/<base>" if that exists (unpacked files).
std::string find_idx_file(const std::string& dir, const std::string& base, const Builtin& info) {
  const fs::path gz = fs::path(dir) / (base + ".gz");
  const fs::path plain = fs::path(dir) / base;
  std::error_code ec;
  if (fs::is_regular_file(gz, ec)) return gz.string();
  if (fs::is_regular_file(plain, ec)) return plain.string();
  throw UserError(fmt::format(
      "{}: missing file '{}' (expected train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
      "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in '{}'); {}",
      info.name, gz.string(), dir, info.install_hint));
}

void check_native_geometry(const DataOptions& options, const Builtin& info) {
  PK_CHECK(options.channels == 0 || options.channels == info.channels,
           "{} images have {} channel(s); channels={} is only supported for the 'folder' dataset",
           info.name, info.channels, options.channels);
  PK_CHECK(options.image_size == 0 || options.image_size == info.side,
           "{} images are {}x{}; image_size={} is only supported for the 'folder' dataset", info.name,
           info.side, info.side, options.image_size);
}

// Moves raw bytes into a Dataset (uint8 [N, C, H, W], int64 [N]).
Dataset to_dataset(RawImages&& raw, const std::string& name, const std::vector<std::string>& classes) {
  PK_ASSERT(static_cast<int64_t>(raw.pixels.size()) == raw.count * raw.image_bytes() &&
                static_cast<int64_t>(raw.labels.size()) == (raw.labeled ? raw.count : 0) &&
                (raw.objects.empty() || static_cast<int64_t>(raw.objects.size()) == raw.count),
            "raw image set of {} has inconsistent sizes", name);
  Dataset out;
  out.name = name;
  out.class_names = classes;
  out.objects = std::move(raw.objects);
  out.images = at::empty({raw.count, raw.channels, raw.height, raw.width}, at::kByte);
  if (raw.labeled) out.labels = at::empty({raw.count}, at::kLong);
  if (raw.count > 0) {
    std::memcpy(out.images.data_ptr<uint8_t>(), raw.pixels.data(), raw.pixels.size());
    if (raw.labeled)
      std::memcpy(out.labels.data_ptr<int64_t>(), raw.labels.data(), raw.labels.size() * sizeof(int64_t));
  }
  raw = RawImages();
  return out;
}

// The samples `indices` of `all`, keeping at most `limit` (0 = all) of them.
Dataset select(const Dataset& all, std::vector<int64_t> indices, int64_t limit) {
  if (limit > 0 && static_cast<int64_t>(indices.size()) > limit) indices.resize(static_cast<size_t>(limit));
  const at::Tensor index =
      at::from_blob(indices.data(), {static_cast<int64_t>(indices.size())}, at::kLong);
  Dataset out;
  out.name = all.name;
  out.class_names = all.class_names;
  out.images = all.images.index_select(0, index);
  if (all.has_labels()) out.labels = all.labels.index_select(0, index);
  if (all.is_detection())
    for (int64_t i : indices) out.objects.push_back(all.objects.at(static_cast<size_t>(i)));
  return out;
}

Dataset first(Dataset all, int64_t limit) {
  if (limit > 0 && limit < all.size()) {
    all.images = all.images.slice(0, 0, limit).clone();
    if (all.has_labels()) all.labels = all.labels.slice(0, 0, limit).clone();
    if (all.is_detection()) all.objects.resize(static_cast<size_t>(limit));
  }
  return all;
}

void check_same_geometry(const RawImages& train, const RawImages& test, const std::string& what) {
  PK_CHECK(train.channels == test.channels && train.height == test.height && train.width == test.width,
           "{}: training images are {}x{}x{} (CxHxW) but test images are {}x{}x{}", what,
           train.channels, train.height, train.width, test.channels, test.height, test.width);
}

// The raw train and test sets of a dataset with their class names.
struct RawSplits {
  RawImages train, test;
  std::vector<std::string> classes;
};

// The generated detection set (data/shapes_dataset.h), always with the default seed.
RawSplits load_shapes(const DataOptions& options) {
  PK_CHECK(options.path.empty(), "dataset 'shapes' is generated and takes no path, got '{}'", options.path);
  PK_CHECK(options.channels == 0 || options.channels == 3, "shapes images have 3 channels; channels={} is not supported",
           options.channels);
  PK_CHECK(options.generated_images >= 0, "shapes: the number of generated images must be ≥ 0 (0 = 4000), got {}",
           options.generated_images);
  ShapesOptions shapes;
  if (options.image_size != 0) shapes.image_size = options.image_size;
  if (options.generated_images > 0) shapes.train_images = options.generated_images;
  shapes.test_images = std::max<int64_t>(1, shapes.train_images / 8);
  ShapesSets sets = generate_shapes(shapes);
  return RawSplits{std::move(sets.train), std::move(sets.test), shape_classes(shapes.classes)};
}

// A YOLO-format folder (data/yolo_reader.h): train and val (or test).
RawSplits load_yolo(const DataOptions& options) {
  PK_CHECK(!options.path.empty(),
           "dataset 'yolo' needs a path (--data-path ROOT, with ROOT/classes.txt, ROOT/images/{{train,val}}/*.jpg "
           "and ROOT/labels/{{train,val}}/*.txt)");
  std::error_code ec;
  PK_CHECK(fs::is_directory(options.path, ec), "yolo: folder '{}' does not exist", options.path);
  PK_CHECK(options.channels == 0 || options.channels == 3, "yolo images are read as RGB; channels={} is not supported",
           options.channels);
  PK_CHECK(options.image_size == 0 || options.image_size >= 32, "yolo: image size must be ≥ 32 (0 = 416), got {}",
           options.image_size);
  YoloFolderOptions folder;
  if (options.image_size != 0) folder.image_size = options.image_size;
  RawSplits out;
  out.classes = read_yolo_classes((fs::path(options.path) / "classes.txt").string());
  const int num_classes = static_cast<int>(out.classes.size());
  out.train = read_yolo_split(options.path, "train", num_classes, folder);
  out.test = read_yolo_split(options.path, yolo_test_split(options.path), num_classes, folder);
  return out;
}

}  // namespace

int64_t Dataset::size() const { return images.defined() ? images.size(0) : 0; }

std::vector<std::string> known_datasets() {
  std::vector<std::string> names;
  for (const Builtin& b : builtins()) names.push_back(b.name);
  names.push_back("folder");
  names.push_back("images");
  names.push_back("yolo");
  names.push_back("shapes");
  return names;
}

DatasetSplits load_dataset(const DataOptions& options) {
  const Builtin* builtin = find_builtin(options.name);
  const std::vector<std::string> known = known_datasets();
  PK_CHECK(std::find(known.begin(), known.end(), options.name) != known.end(),
           "unknown dataset '{}': known datasets are {}", options.name, join(known, ", "));
  PK_CHECK(options.generated_images == 0 || options.name == "shapes",
           "generated images ({}) only apply to the 'shapes' dataset, not '{}'", options.generated_images, options.name);
  PK_CHECK(options.search_size >= 0, "search split size must be ≥ 0, got {}", options.search_size);
  PK_CHECK(options.train_limit >= 0, "train limit must be ≥ 0 (0 = all), got {}", options.train_limit);
  PK_CHECK(options.test_limit >= 0, "test limit must be ≥ 0 (0 = all), got {}", options.test_limit);

  RawImages train_raw, test_raw;
  std::vector<std::string> classes;
  const std::string& name = options.name;
  if (name == "fashion-mnist" || name == "mnist") {
    check_native_geometry(options, *builtin);
    const std::string dir = options.path.empty() ? builtin->default_path : options.path;
    const std::string train_images = find_idx_file(dir, "train-images-idx3-ubyte", *builtin);
    const std::string train_labels = find_idx_file(dir, "train-labels-idx1-ubyte", *builtin);
    const std::string test_images = find_idx_file(dir, "t10k-images-idx3-ubyte", *builtin);
    const std::string test_labels = find_idx_file(dir, "t10k-labels-idx1-ubyte", *builtin);
    classes = name == "mnist" ? kDigitClasses : kFashionClasses;
    const int num_classes = static_cast<int>(classes.size());
    train_raw = read_idx_images(train_images, train_labels, num_classes);
    test_raw = read_idx_images(test_images, test_labels, num_classes);
    check_same_geometry(train_raw, test_raw, dir);
  } else if (name == "cifar10") {
    check_native_geometry(options, *builtin);
    const std::string root = options.path.empty() ? builtin->default_path : options.path;
    std::error_code ec;
    PK_CHECK(fs::is_directory(root, ec), "cifar10: folder '{}' does not exist; {}", root,
             builtin->install_hint);
    const std::string dir = cifar10_batches_dir(root);
    classes = cifar10_class_names(dir);
    train_raw = read_cifar10_files(cifar10_files(dir, true));
    test_raw = read_cifar10_files(cifar10_files(dir, false));
  } else if (name == "images") {
    PK_CHECK(!options.path.empty(), "dataset 'images' needs a path (--data-path DIR, with DIR/*.png, unlabeled)");
    PK_CHECK(options.channels == 0 || options.channels == 1 || options.channels == 3,
             "images: channels must be 1 or 3 (0 = 3), got {}", options.channels);
    ImageFolderOptions folder;
    folder.channels = options.channels == 0 ? 3 : options.channels;
    folder.image_size = options.image_size;
    train_raw = read_unlabeled_images(options.path, folder);
    test_raw = RawImages{0, train_raw.channels, train_raw.height, train_raw.width, {}, false, {}, {}};
  } else if (name == "shapes" || name == "yolo") {
    RawSplits raw = name == "shapes" ? load_shapes(options) : load_yolo(options);
    train_raw = std::move(raw.train);
    test_raw = std::move(raw.test);
    classes = std::move(raw.classes);
  } else {
    PK_CHECK(!options.path.empty(),
             "dataset 'folder' needs a path (--data-path ROOT, with ROOT/train/CLASS/*.png and "
             "ROOT/test/CLASS/*.png)");
    PK_CHECK(options.channels == 0 || options.channels == 1 || options.channels == 3,
             "folder: channels must be 1 or 3 (0 = 3), got {}", options.channels);
    ImageFolderOptions folder;
    folder.channels = options.channels == 0 ? 3 : options.channels;
    folder.image_size = options.image_size;
    const std::string train_dir = (fs::path(options.path) / "train").string();
    const std::string test_dir = (fs::path(options.path) / "test").string();
    classes = image_folder_classes(train_dir);
    train_raw = read_image_folder(train_dir, classes, folder, true);
    test_raw = read_image_folder(test_dir, classes, folder, false);
    check_same_geometry(train_raw, test_raw, options.path);
  }

  DatasetSplits out;
  out.channels = train_raw.channels;
  out.height = train_raw.height;
  out.width = train_raw.width;
  const int64_t train_files = train_raw.count;
  PK_CHECK(options.search_size < train_files,
           "{}: search split size {} must be smaller than the {} training samples (--search-size N, 0 = none)", name,
           options.search_size, train_files);
  const SplitIndices split = split_indices(train_files, options.search_size, options.seed);
  const Dataset all_train = to_dataset(std::move(train_raw), name, classes);
  out.train = select(all_train, split.train, options.train_limit);
  out.search = select(all_train, split.search, 0);
  out.test = first(to_dataset(std::move(test_raw), name, classes), options.test_limit);
  out.normalization = builtin ? builtin->normalization : compute_normalization(out.train.images);
  return out;
}

}  // namespace pk
