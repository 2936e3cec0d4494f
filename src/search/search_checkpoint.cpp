#include "search/search_checkpoint.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/dataset.h"
#include "graph/text_format.h"
#include "weights/weight_store.h"

namespace pk {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "prunekit-search-checkpoint";

/// FNV-1a state, fed incrementally.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  }
  void add(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    add(c.data_ptr(), c.numel() * c.element_size());
  }
  std::string hex() const { return fmt::format("{:016x}", h); }
};

const char* metric_name(const SearchOptions& o) {
  if (o.target_latency > 0) return "latency";
  return o.budget.metric == BudgetMetric::kMacs ? "macs" : o.budget.metric == BudgetMetric::kParams ? "params" : "none";
}

json budget_settings(const SearchOptions& o) {
  json b{{"metric", metric_name(o)}, {"projection", budget_projection_name(o.projection)}, {"fill", o.budget.fill}};
  if (o.target_latency > 0) {
    b["target"] = o.target_latency;
    b["batch"] = o.latency.batch;
    b["threads"] = o.latency.threads;
  } else {
    b["target"] = o.budget.target;
    b["fraction"] = o.budget.fraction;
  }
  return b;
}

json evaluation_settings(const SearchOptions& o) {
  const EvaluatorOptions& e = o.evaluation;
  const QuickFinetuneOptions& f = e.finetune;
  return json{{"calib_batches", e.recalibration.batches},
              {"calib_batch_size", e.recalibration.batch_size},
              {"calib_seed", e.recalibration.seed},
              {"eval_batch_size", e.batch_size},
              {"finetune", f.steps > 0 ? json{{"steps", f.steps},
                                             {"scope", finetune_scope_name(f.scope)},
                                             {"lr", f.lr},
                                             {"batch_size", f.batch_size},
                                             {"seed", f.seed}}
                                       : json(nullptr)},
              {"distance", o.reward == RewardKind::kLabelFree
                               ? json{{"temperature", e.distance.temperature}, {"beta", e.distance.beta}}
                               : json(nullptr)}};
}

/// The header, parsed and checked; UserError for anything malformed.
json parse_header(const std::string& path, const std::string& bytes) {
  const size_t nl = bytes.find('\n');
  PK_CHECK(nl != std::string::npos, "checkpoint '{}' is corrupt (no header line)", path);
  json header;
  try {
    header = json::parse(bytes.substr(0, nl));
  } catch (const json::exception& e) {
    throw UserError(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
  }
  PK_CHECK(header.is_object() && header.contains("format") && header.at("format") == kFormat, "'{}' is not a search checkpoint", path);
  for (const char* key : {"settings", "candidates"})
    PK_CHECK(header.contains(key), "checkpoint '{}' is corrupt: its header has no '{}'", path, key);
  PK_CHECK(header.contains("finalists") || header.contains("best"),
           "checkpoint '{}' is corrupt: its header has no 'finalists'", path);
  PK_CHECK(header.at("candidates").is_array(), "checkpoint '{}' is corrupt: 'candidates' is not a list", path);
  return header;
}

}  // namespace

std::string fnv1a_digest(const std::string& bytes) {
  Fnv f;
  f.add(bytes.data(), bytes.size());
  return f.hex();
}

SearchCheckpoint read_search_checkpoint(const std::string& path) {
  PK_CHECK(std::filesystem::exists(path), "--resume: no checkpoint at '{}'", path);
  const std::string bytes = read_file(path);
  const json header = parse_header(path, bytes);
  SearchCheckpoint c;
  try {
    c.settings = header.at("settings");
    for (const json& j : header.at("candidates")) c.candidates.push_back(j);
    if (header.contains("finalists")) {
      for (const json& j : header.at("finalists")) c.finalists.push_back(j);
    } else if (!header.at("best").is_null()) {
      c.finalists.push_back(header.at("best"));
    }
    if (header.contains("original_latency_ms")) c.original_latency_ms = header.at("original_latency_ms").get<double>();
  } catch (const json::exception& e) {
    throw UserError(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
  }
  c.strategy_state = bytes.substr(bytes.find('\n') + 1);
  return c;
}

void write_search_checkpoint(const std::string& path, const SearchCheckpoint& c) {
  json header{{"format", kFormat}, {"settings", c.settings}, {"candidates", c.candidates}, {"finalists", c.finalists}};
  if (c.original_latency_ms) header["original_latency_ms"] = *c.original_latency_ms;
  write_file_atomically(path, [&](std::ostream& out) { out << header.dump() << "\n" << c.strategy_state; });
}

void check_same_settings(const std::string& path, const json& checkpoint_settings, const json& settings) {
  if (checkpoint_settings == settings) return;
  std::string differences;
  for (const auto& [key, value] : settings.items()) {
    const json before = checkpoint_settings.contains(key) ? checkpoint_settings.at(key) : json(nullptr);
    if (before != value) differences += fmt::format("\n  {}: checkpoint {}, now {}", key, before.dump(), value.dump());
  }
  for (const auto& [key, value] : checkpoint_settings.items())
    if (!settings.contains(key)) differences += fmt::format("\n  {}: checkpoint {}, now absent", key, value.dump());
  throw UserError(fmt::format("checkpoint '{}' was written with different settings (start a new --out, or drop "
                              "--resume):{}",
                              path, differences));
}

json search_fingerprint(const SearchOptions& o, const json& method_options, int decisions, const json& model,
                        const json& data) {
  const ImportanceOptions& imp = o.importance;
  json settings{{"method", o.method},
                {"method_options", method_options},
                {"samples_per_update", o.samples_per_update},
                {"budget", budget_settings(o)},
                {"reward", reward_name(o.reward)},
                {"lambda", o.lambda},
                {"importance", {{"criterion", criterion_name(imp.criterion)},
                                {"reduction", score_reduction_name(imp.reduction)},
                                {"normalizer", score_normalizer_name(imp.normalizer)},
                                {"producers_only", imp.producers_only},
                                {"taylor_batches", imp.criterion == Criterion::kTaylor ? json(imp.taylor_batches)
                                                                                         : json(nullptr)}}},
                {"round_to", o.action_space.round_to},
                {"min_channels", o.action_space.min_channels},
                {"max_ratio", o.action_space.max_ratio},
                {"blocks", o.action_space.blocks},
                {"evaluation", evaluation_settings(o)},
                {"seed", o.seed},
                {"decisions", decisions},
                {"model", model},
                {"data", data}};
  // Only when on: checkpoints of searches without finalists stay resumable.
  if (o.finalists.count > 1)
    settings["finalists"] = {{"count", o.finalists.count}, {"finetune_steps", o.finalists.finetune_steps}};
  return settings;
}

json model_identity(const Graph& graph, const WeightStore& weights) {
  Fnv w;
  for (const auto& [node, tensors] : weights.all())
    for (const auto& [name, tensor] : tensors) {
      w.add(node.data(), node.size());
      w.add(name.data(), name.size());
      w.add(tensor.to(torch::kFloat32));
    }
  return json{{"graph", fnv1a_digest(graph_to_text(graph))}, {"weights", w.hex()}};
}

json data_identity(const DatasetSplits& data, bool with_labels) {
  Fnv f;
  for (const Dataset* d : {&data.train, &data.search}) {
    if (d->size() == 0) continue;
    f.add(d->images);
    if (with_labels && d->has_labels()) f.add(d->labels);
  }
  return json{{"name", data.train.name}, {"train", data.train.size()}, {"search", data.search.size()},
              {"digest", f.hex()}};
}

}  // namespace pk
