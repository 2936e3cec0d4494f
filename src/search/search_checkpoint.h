// SearchCheckpoint: what `--resume` continues from, written atomically after every update.
// File format: one JSON header line {"format", "settings", "candidates", "finalists",
// "original_latency_ms"?} (checkpoints written before finalists existed hold "best" instead), then the strategy's binary state (SearchStrategy::save).
// "settings" is the search's fingerprint: everything that must be equal for a resumed run to end
// exactly like an uninterrupted one — the model (a digest of its graph and weights), the data
// (names, sizes and a digest of the train and search splits, so the dataset, search size, data
// seed and train limit are all covered), the budget, reward, criterion, action space,
// evaluation, seed, and the method's resolved options.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "search/search_options.h"

namespace pk {

class WeightStore;
struct DatasetSplits;

struct SearchCheckpoint {
  nlohmann::json settings;                 // search_fingerprint()
  std::vector<nlohmann::json> candidates;  // the log lines so far
  std::vector<nlohmann::json> finalists;   // the best lines meeting the budget, best first (+ "plan")
  std::optional<double> original_latency_ms;  // latency budgets: the original, measured once
  std::string strategy_state;
};

/// UserError if the file is missing, is not a search checkpoint, or its header is malformed.
SearchCheckpoint read_search_checkpoint(const std::string& path);
void write_search_checkpoint(const std::string& path, const SearchCheckpoint& checkpoint);

/// UserError listing every setting that differs between the checkpoint and `settings`.
void check_same_settings(const std::string& path, const nlohmann::json& checkpoint_settings,
                         const nlohmann::json& settings);

/// The fingerprint of a search. `method_options` are the method's resolved options.
nlohmann::json search_fingerprint(const SearchOptions& options, const nlohmann::json& method_options,
                                  int decisions, const nlohmann::json& model_identity,
                                  const nlohmann::json& data_identity);

/// {"graph": digest of the text form, "weights": digest of every tensor's bytes}.
nlohmann::json model_identity(const Graph& graph, const WeightStore& weights);
/// {"name", "train", "search" (sizes), "digest" of both splits' images and, if `with_labels`, labels}
/// (a label-free search leaves the labels out: it reads none).
nlohmann::json data_identity(const DatasetSplits& data, bool with_labels);

/// 64-bit FNV-1a of `bytes`, as 16 hex digits.
std::string fnv1a_digest(const std::string& bytes);

}  // namespace pk
