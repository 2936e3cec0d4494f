#include "train/train_checkpoint.h"

#include <torch/serialize.h>

#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "weights/model_file.h"

namespace pk {
namespace {

const nlohmann::json* member(const nlohmann::json& object, const std::string& key) {
  return object.contains(key) ? &object.at(key) : nullptr;
}

/// Appends "\n  <path>: checkpoint <before>, now <now>" for every leaf where the two differ
/// (objects are compared key by key; null pointers are missing keys, shown as "absent").
void add_differences(const nlohmann::json* before, const nlohmann::json* now, const std::string& path,
                     std::string& out) {
  if (before && now && *before == *now) return;
  if (before && now && before->is_object() && now->is_object()) {
    const std::string prefix = path.empty() ? "" : path + ".";
    for (const auto& [key, value] : now->items()) add_differences(member(*before, key), &value, prefix + key, out);
    for (const auto& [key, value] : before->items())
      if (!now->contains(key)) add_differences(&value, nullptr, prefix + key, out);
    return;
  }
  out += fmt::format("\n  {}: checkpoint {}, now {}", path, before ? before->dump() : "absent",
                     now ? now->dump() : "absent");
}

/// UserError unless `checkpoint` (its metadata["checkpoint"]) records exactly `settings`.
void check_same_settings(const std::string& path, const nlohmann::json& checkpoint, const nlohmann::json& settings) {
  PK_CHECK(checkpoint.contains("settings"),
           "--resume: checkpoint '{}' records no training settings (an older prunekit wrote it), so it cannot be "
           "checked against this run; drop --resume to start afresh",
           path);
  std::string differences;
  add_differences(&checkpoint.at("settings"), &settings, "", differences);
  PK_CHECK(differences.empty(),
           "--resume: checkpoint '{}' was written with different settings (rerun with the original ones, or drop "
           "--resume to start afresh):{}",
           path, differences);
}

/// The optimizer archive at `path`, whose recorded epoch must be `epoch`.
torch::serialize::InputArchive load_optimizer_archive(const std::string& checkpoint, int epoch) {
  const std::string path = optimizer_state_path(checkpoint);
  PK_CHECK(std::filesystem::exists(path), "--resume: optimizer state '{}' is missing", path);
  torch::serialize::InputArchive archive;
  torch::Tensor saved_epoch;
  try {
    archive.load_from(path);
    archive.read("pk_epoch", saved_epoch);
  } catch (const c10::Error&) {
    throw UserError(fmt::format("--resume: optimizer state '{}' is corrupt", path));
  }
  PK_CHECK(saved_epoch.item<int64_t>() == epoch, "--resume: '{}' (epoch {}) and '{}' (epoch {}) do not belong together",
           checkpoint, epoch, path, saved_epoch.item<int64_t>());
  return archive;
}

}  // namespace

std::string optimizer_state_path(const std::string& checkpoint) { return checkpoint + ".optim"; }

void remove_train_checkpoint(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::filesystem::remove(optimizer_state_path(path), ignored);
}

void save_train_checkpoint(const std::string& path, const Executor& executor, torch::optim::Optimizer& optimizer,
                           const TrainCheckpointState& state, const nlohmann::json& settings,
                           nlohmann::json metadata) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.write("pk_epoch", torch::tensor(static_cast<int64_t>(state.epoch)));
  // Serialized in memory first: libtorch's zip writer throws from its destructor (std::terminate)
  // when the file stream fails, e.g. on a full disk; the write below reports that as a UserError.
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(optimizer_state_path(path), [&](std::ostream& out) { out << bytes.str(); });
  metadata["checkpoint"] = {{"epoch", state.epoch}, {"history", state.history}, {"settings", settings}};
  save_model(path, executor.graph(), executor.weights(), metadata);
}

TrainCheckpointState load_train_checkpoint(const std::string& path, Executor& executor,
                                           torch::optim::Optimizer& optimizer, const nlohmann::json& settings) {
  PK_CHECK(std::filesystem::exists(path), "--resume: no checkpoint at '{}' (it is written after each epoch)", path);
  ModelFile ckpt = load_model(path);
  PK_CHECK(ckpt.graph == executor.graph(), "--resume: checkpoint '{}' holds a different network than the one being trained",
           path);
  PK_CHECK(ckpt.metadata.contains("checkpoint"), "--resume: '{}' is a model file, not a training checkpoint", path);
  const nlohmann::json& recorded = ckpt.metadata["checkpoint"];
  check_same_settings(path, recorded, settings);
  TrainCheckpointState state;
  state.epoch = recorded.at("epoch").get<int>();
  state.history = recorded.at("history");
  torch::serialize::InputArchive archive = load_optimizer_archive(path, state.epoch);
  {
    torch::NoGradGuard no_grad;
    for (const auto& [node, tensors] : ckpt.weights.all())
      for (const auto& [name, t] : tensors) const_cast<torch::Tensor&>(executor.weights().get(node, name)).copy_(t);
  }
  optimizer.load(archive);
  return state;
}

}  // namespace pk
