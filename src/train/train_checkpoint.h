// The per-epoch training checkpoint that makes `--resume` exact, shared by the classifier trainer
// (train/trainer.h) and the detector trainer (train/detection_trainer.h). On disk:
//   <path>        a model file (graph + weights + metadata), metadata["checkpoint"] =
//                 {"epoch": completed epochs, "history": [per-epoch records], "settings": {...}}
//   <path>.optim  the optimizer state (libtorch archive) with the same epoch, written first; the
//                 model file is the commit point, so a crash between the two leaves the old pair.
// A resume is refused (UserError, nothing restored) unless the recorded settings equal the run's;
// the message lists every differing setting.
#pragma once

#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <string>

#include "exec/executor.h"

namespace pk {

struct TrainCheckpointState {
  int epoch = 0;                                      // completed epochs
  nlohmann::json history = nlohmann::json::array();   // the trainer's per-epoch records
};

/// "<checkpoint>.optim".
std::string optimizer_state_path(const std::string& checkpoint);

/// Removes both files (a finished run); missing files are no error.
void remove_train_checkpoint(const std::string& path);

/// Writes both files atomically; `metadata` is the model file's metadata (the checkpoint entry is
/// added to it). UserError if the file system fails.
void save_train_checkpoint(const std::string& path, const Executor& executor, torch::optim::Optimizer& optimizer,
                           const TrainCheckpointState& state, const nlohmann::json& settings,
                           nlohmann::json metadata);

/// Restores `executor`'s weights and `optimizer`'s state from `path`. UserError (before anything
/// is restored) if the files are missing, corrupt, hold another network, do not belong together,
/// or were written with other `settings`.
TrainCheckpointState load_train_checkpoint(const std::string& path, Executor& executor,
                                           torch::optim::Optimizer& optimizer, const nlohmann::json& settings);

}  // namespace pk
