#include "common.h"

#include <filesystem>
#include <iostream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/strings.h"
#include "data/dataset.h"

namespace pk::cli {

void add_data_options(CLI::App* cmd, DataOptions& o) {
  cmd->add_option("--dataset", o.name,
                  "dataset: " + join(known_datasets(), ", ") + " (folder = one sub-folder per class under train/ and test/)")
      ->capture_default_str();
  cmd->add_option("--data-path", o.path, "dataset location (default: the dataset's standard path)");
  cmd->add_option("--search-size", o.search_size, "training samples held out as the search split")
      ->capture_default_str();
  cmd->add_option("--data-seed", o.seed, "seed of the train/search partition")->capture_default_str();
  cmd->add_option("--train-limit", o.train_limit, "use only the first N training samples (0 = all)")
      ->capture_default_str();
  cmd->add_option("--test-limit", o.test_limit, "use only the first N test samples (0 = all)")->capture_default_str();
  cmd->add_option("--image-size", o.image_size, "folder datasets: resize images to this square size (0 = keep)");
  cmd->add_option("--channels", o.channels, "folder datasets: 1 (grayscale) or 3 (RGB)");
  cmd->add_option("--generated-images", o.generated_images,
                  "shapes: training images to generate (0 = 4000; the test set gets an eighth as many)");
  // Detection sets are smaller than the classification ones: hold out 500 images by default.
  cmd->parse_complete_callback([&o, cmd] {
    if (is_detection_dataset(o.name) && cmd->count("--search-size") == 0) o.search_size = kDetectionSearchSize;
  });
}

void add_threads_option(CLI::App* cmd, int& threads) {
  cmd->add_option("--threads", threads, "compute threads (0 = all cores)")->capture_default_str();
}

void check_model_fits_dataset(const Graph& graph, const DatasetSplits& data, const std::string& model_name) {
  const auto inputs = graph.input_names();
  PK_CHECK(inputs.size() == 1, "model '{}' has {} inputs; training and evaluation need exactly one", model_name,
           inputs.size());
  const Shape& s = graph.node(inputs[0]).shape;
  PK_CHECK(s.rank() == 3, "model '{}' takes a {} input, not an image", model_name, s.str());
  PK_CHECK(s.channels() == data.channels,
           "model '{}' expects {} input channel(s) but dataset '{}' has {} (images {}x{}x{})", model_name, s.channels(),
           data.train.name, data.channels, data.channels, data.height, data.width);
  PK_CHECK(s.height() == data.height && s.width() == data.width,
           "model '{}' expects {}x{} images but dataset '{}' has {}x{}", model_name, s.height(), s.width(),
           data.train.name, data.height, data.width);
}

nlohmann::json dataset_metadata(const DataOptions& o, const DatasetSplits& data) {
  return {{"name", o.name},
          {"path", o.path},
          {"search_size", o.search_size},
          {"seed", o.seed},
          {"image_size", o.image_size},
          {"channels", o.channels},
          {"generated_images", o.generated_images},
          {"class_names", data.train.class_names},
          {"normalization", {{"mean", data.normalization.mean}, {"std", data.normalization.std}}}};
}

nlohmann::json data_options_json(const DataOptions& o) {
  return {{"name", o.name},         {"path", o.path},       {"search_size", o.search_size},
          {"train_limit", o.train_limit}, {"test_limit", o.test_limit}, {"seed", o.seed},
          {"image_size", o.image_size}, {"channels", o.channels}, {"generated_images", o.generated_images}};
}

nlohmann::json zoo_options_json(const ModelOptions& o) {
  return {{"in_channels", o.in_channels}, {"input_size", o.input_size}, {"num_classes", o.num_classes},
          {"width", o.width}};
}

void apply_dataset_metadata(const nlohmann::json& metadata, const std::string& model, DataOptions& o,
                            const CLI::App& cmd) {
  if (cmd.count("--dataset") > 0) return;  // another dataset: nothing recorded applies
  if (!metadata.is_object() || !metadata.contains("dataset")) return;
  const auto& d = metadata["dataset"];
  PK_CHECK(d.is_object(), "model '{}': its metadata 'dataset' is {}, expected an object", model, d.type_name());
  // A flag given on the command line wins over the recorded value.
  auto take = [&](const char* key, const char* flag, auto& field) {
    if (!d.contains(key) || cmd.count(flag) > 0) return;
    try {
      field = d[key].get<std::decay_t<decltype(field)>>();
    } catch (const nlohmann::json::exception&) {
      throw UserError(fmt::format("model '{}': its metadata 'dataset.{}' is {} ({}), which {} cannot take; give {} "
                                  "explicitly",
                                  model, key, d[key].type_name(), d[key].dump(), flag, flag));
    }
  };
  take("name", "--dataset", o.name);
  take("path", "--data-path", o.path);
  take("search_size", "--search-size", o.search_size);
  take("seed", "--data-seed", o.seed);
  take("image_size", "--image-size", o.image_size);
  take("channels", "--channels", o.channels);
  take("generated_images", "--generated-images", o.generated_images);
}

void print_resolved_options(const std::string& command, const nlohmann::json& options) {
  std::cerr << "prunekit " << command << " " << options.dump() << "\n";
}

namespace {
std::string& stored_command_line() {
  static std::string line;
  return line;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = i == 0 ? std::string("prunekit") : std::string(argv[i]);
    const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    if (!plain) {  // single-quoted for a POSIX shell
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i == 0 ? "" : " ") + arg;
  }
  stored_command_line() = line;
}

const std::string& command_line() { return stored_command_line(); }

namespace {
MpiRuntime* the_mpi_runtime = nullptr;
}  // namespace

MpiRuntime* mpi_runtime() { return the_mpi_runtime; }
void set_mpi_runtime(MpiRuntime* mpi) { the_mpi_runtime = mpi; }

void write_run_record(const std::string& dir, const nlohmann::json& options, bool keep_existing) {
  const std::filesystem::path path = std::filesystem::path(dir) / "run.json";
  if (keep_existing && std::filesystem::exists(path)) return;
  const nlohmann::json record{{"command", command_line()}, {"options", options}};
  write_file_atomically(path.string(), [&](std::ostream& out) { out << record.dump(2) << "\n"; });
}

}  // namespace pk::cli
