// How a search prepares and scores candidates (search/candidate_evaluator.h), torch-free.
#pragma once

#include <cstdint>

#include "eval/feature_distance_options.h"
#include "eval/latency_options.h"
#include "train/quick_finetune_options.h"
#include "train/recalibration_options.h"

namespace pk {

struct EvaluatorOptions {
  RecalibrationOptions recalibration;  // 20 × 128, fixed seed: every candidate sees the same images
  QuickFinetuneOptions finetune;       // default: none; label-free (distillation) for label_free
  int64_t batch_size = 256;            // evaluation batch
  bool measure_latency = false;        // also time every candidate (latency budgets)
  LatencyOptions latency;
  FeatureDistanceOptions distance;     // label_free only
};

}  // namespace pk
