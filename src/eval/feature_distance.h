// Label-free distance of a pruned network (student) to the original (teacher), LFGCL's reward
// signal (algorithms.md §2). Per image, with z = logits and f = penultimate features (the input
// of the final Linear layer):
//   D = τ²·KL(softmax(z_t/τ) ‖ softmax(z_s/τ)) + β·‖f_s − f_t‖² / ‖f_t‖²
// averaged over a fixed image set. No label is ever read: the teacher's outputs on the images are
// computed once and kept, and the student is only compared with them.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"
#include "eval/feature_distance_options.h"
#include "exec/executor.h"

namespace pk {

class TeacherReference {
 public:
  /// Runs `teacher` (eval mode, no gradients) on every image of `images` in order and keeps its
  /// logits [N, K] and, if its single output is a Linear layer, that layer's input [N, F]
  /// (otherwise the feature term is left out). `images.labels` is never read.
  TeacherReference(Executor& teacher, const Dataset& images, const Normalization& normalization,
                   const FeatureDistanceOptions& options);

  /// D of `student` over the same images (eval mode, no gradients). `kept_features[j]` is the
  /// teacher feature index of the student's feature j (the kept input columns of the final
  /// Linear, see plan/kept_channels.h); empty = the student has every feature. Teacher features
  /// the student lost count as if the student's value were 0. UserError if the student's
  /// outputs do not fit (class count, feature count vs kept_features).
  double distance(Executor& student, const std::vector<int>& kept_features) const;

  /// Name of the penultimate node (the final Linear's input), "" if there is no feature term.
  const std::string& feature_node() const { return feature_node_; }
  int64_t size() const { return logits_.size(0); }

 private:
  Dataset images_;  // labels dropped: nothing downstream can read them
  Normalization normalization_;
  FeatureDistanceOptions options_;
  std::string output_node_, feature_node_;
  torch::Tensor logits_;         // float [N, K]
  torch::Tensor features_;       // float [N, F], undefined without a feature term
  torch::Tensor feature_norm2_;  // float [N]: ‖f_t‖², clamped away from 0
};

}  // namespace pk
