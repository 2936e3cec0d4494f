// Options shared by several subcommands, and small helpers for their output.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "core/strings.h"  // human_count
#include "data/data_options.h"
#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {
class MpiRuntime;
struct DatasetSplits;
}

namespace pk::cli {

/// --search-size of detection sets unless given (the classification default, 5000, exceeds them).
inline constexpr int64_t kDetectionSearchSize = 500;

/// True for the datasets that hold object boxes ("shapes", "yolo").
inline bool is_detection_dataset(const std::string& name) { return name == "shapes" || name == "yolo"; }

/// --dataset, --data-path, --search-size, --data-seed, --train-limit, --test-limit,
/// --image-size, --channels (the last two for folder datasets).
void add_data_options(CLI::App* cmd, DataOptions& options);
/// --threads (0 = all cores).
void add_threads_option(CLI::App* cmd, int& threads);

/// Input channels/size of `graph`'s single input; UserError if the graph does not take one
/// CxHxW image or if it does not match the dataset (channels, height, width).
void check_model_fits_dataset(const Graph& graph, const DatasetSplits& data, const std::string& model_name);

/// Dataset description stored in model metadata, so eval can find the same data.
nlohmann::json dataset_metadata(const DataOptions& options, const DatasetSplits& data);
/// Inverse of dataset_metadata: fills `options` from the recorded dataset, except fields whose
/// flag (--data-path, --search-size, …) was given on `cmd`; does nothing if --dataset was given.
/// A recorded value of the wrong type is a UserError naming `model` (the file) and the key.
void apply_dataset_metadata(const nlohmann::json& metadata, const std::string& model, DataOptions& options,
                            const CLI::App& cmd);

/// Every field of `options` (name, path, split sizes, limits, seed, image size, channels), for
/// the resolved options a command prints.
nlohmann::json data_options_json(const DataOptions& options);
/// The built-in model options (used only when --model names a zoo model).
nlohmann::json zoo_options_json(const ModelOptions& options);

/// Prints "<command> options: {...}" to stderr so every run records its resolved settings.
void print_resolved_options(const std::string& command, const nlohmann::json& options);

/// The MPI job this process is a rank of (main() sets it when an MPI launcher started it), or null.
MpiRuntime* mpi_runtime();
void set_mpi_runtime(MpiRuntime* mpi);

/// The command line of this process, shell-quoted (main() stores it once).
void set_command_line(int argc, char** argv);
const std::string& command_line();
/// Writes <dir>/run.json {"command": command_line(), "options": options} for reports; with
/// `keep_existing` (a resumed run) an existing record, the one of the run's start, stays.
void write_run_record(const std::string& dir, const nlohmann::json& options, bool keep_existing);

}  // namespace pk::cli
