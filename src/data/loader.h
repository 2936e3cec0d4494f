// DataLoader: mini-batches of a Dataset, shuffled and augmented per epoch, normalized to float.
// A background thread prepares up to `prefetch` batches ahead. The batch sequence of an epoch
// is a pure function of (dataset, options, epoch): independent of timing and of prefetch.
#pragma once

#include <cstdint>
#include <memory>

#include "data/dataset.h"

namespace pk {

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;       // random order per epoch; false = dataset order
  bool drop_last = false;    // drop the last batch if it has fewer than batch_size samples
  uint64_t seed = 0;         // with the epoch, drives order and augmentation
  AugmentOptions augment;    // none by default (evaluation)
  Normalization normalization;
  int prefetch = 2;          // batches prepared ahead by the worker thread; 0 = no thread

  /// Every image once in dataset order, no augmentation (evaluation, scoring).
  static LoaderOptions in_order(int64_t batch_size, const Normalization& normalization);
  /// Seeded random order, no augmentation, no worker thread (a few batches at a time:
  /// BN recalibration, short fine-tunes).
  static LoaderOptions sampled(int64_t batch_size, const Normalization& normalization, uint64_t seed);
};

struct Batch {
  torch::Tensor images;  // float32 [B, C, H, W], normalized
  torch::Tensor labels;  // int64 [B]; undefined for an unlabeled dataset
};

class DataLoader {
 public:
  /// Shares the tensors of `data` (no copy). UserError for bad options (batch_size ≤ 0,
  /// negative padding or prefetch, normalization not matching the channels) or a malformed
  /// Dataset.
  DataLoader(const Dataset& data, LoaderOptions options);
  /// Stops and joins the worker, also mid-epoch.
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Begins epoch `epoch` (abandoning any unfinished one): order and augmentation are
  /// f(seed, epoch), deterministic and different per epoch.
  void start_epoch(int epoch);
  /// The next batch of the current epoch into `out`; false at its end. Starts epoch 0 if
  /// start_epoch was never called. Rethrows an error raised while preparing the batch.
  bool next(Batch& out);

  int64_t batches_per_epoch() const;
  /// Samples delivered per epoch (all of them unless drop_last).
  int64_t samples_per_epoch() const;
  const LoaderOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk
