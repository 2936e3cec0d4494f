// Label-free distance of a pruned network (student) to the original (teacher) for networks whose
// outputs are maps rather than one class-score vector — detectors, with one raw head output
// [3·(5+C), H/s, W/s] per scale. Per image, over the graph outputs o:
//   D = Σ_o ‖y_s,o − y_t,o‖² / ‖y_t,o‖²
// (the relative squared error of the raw outputs, so every scale counts alike whatever its size),
// averaged over a fixed image set. No label is read; the teacher's outputs are computed once.
// Memory: the teacher's outputs on every image are kept (N × Σ_o |y_o| floats).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"
#include "exec/executor.h"

namespace pk {

class OutputMapReference {
 public:
  /// Runs `teacher` (eval mode, no gradients) over `images` in order and keeps every output.
  /// `images.labels` and `images.objects` are never read.
  OutputMapReference(Executor& teacher, const Dataset& images, const Normalization& normalization,
                     int64_t batch_size);

  /// D of `student` over the same images. UserError if its outputs differ from the teacher's in
  /// name or shape (the pruning engine keeps graph outputs as they are).
  double distance(Executor& student) const;

  int64_t size() const { return images_.size(); }

 private:
  Dataset images_;  // labels and boxes dropped: nothing downstream can read them
  Normalization normalization_;
  int64_t batch_size_;
  std::vector<std::string> outputs_;
  std::vector<torch::Tensor> teacher_;  // per output: float [N, |y_o|]
};

/// D per image of a batch: float [B], differentiable in `student`. student[o] and teacher[o] are
/// output o of both networks on the same B images (any per-image shape, equal in both).
torch::Tensor output_map_distance(const std::vector<torch::Tensor>& student, const std::vector<torch::Tensor>& teacher);

/// True if label-free scoring of `graph` compares output maps (several outputs, or an output
/// that is not a vector) rather than class scores (eval/feature_distance.h).
bool has_output_maps(const Graph& graph);

}  // namespace pk
