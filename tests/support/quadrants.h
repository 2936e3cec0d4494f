// A learnable toy problem shared by the training, search and evaluation tests: 1x8x8 images,
// class = which quadrant is bright. Deterministic by seed, no files.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "data/dataset.h"

namespace pk::testing {

/// n images (uint8 [n,1,8,8]) with labels in [0, 4): noise in [0, 60) plus 150 on the quadrant.
inline Dataset quadrant_dataset(int64_t n, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  Dataset d;
  d.name = "quadrants";
  d.class_names = {"tl", "tr", "bl", "br"};
  d.labels = torch::randint(0, 4, {n}, gen, torch::kLong);
  d.images = (torch::rand({n, 1, 8, 8}, gen) * 60).to(torch::kUInt8);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t q = d.labels[i].item<int64_t>();
    d.images[i].slice(1, (q / 2) * 4, (q / 2) * 4 + 4).slice(2, (q % 2) * 4, (q % 2) * 4 + 4) += 150;
  }
  return d;
}

/// Train / search / test splits of the quadrant problem (search empty when search_n = 0).
inline DatasetSplits quadrant_splits(int64_t train_n, int64_t search_n, int64_t test_n) {
  DatasetSplits s;
  s.train = quadrant_dataset(train_n, 1);
  if (search_n > 0) s.search = quadrant_dataset(search_n, 3);
  s.test = quadrant_dataset(test_n, 2);
  s.normalization = {{0.3f}, {0.3f}};
  s.channels = 1;
  s.height = s.width = 8;
  return s;
}

}  // namespace pk::testing
