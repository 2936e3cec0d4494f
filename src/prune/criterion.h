// How channel importance is scored (algorithms.md §0), as plain options: torch-free, so that
// option structs (search, one-shot, CLI) can carry it without compiling torch.
//
// A group's channel score combines every member that carries weights for the channel (conv /
// linear producers' output rows, consumers' input columns, depthwise rows, BatchNorm γ): each
// member's per-channel scores are divided by the member's normaliser, then the members are
// reduced into one score per channel.
#pragma once

#include <string>
#include <vector>

namespace pk {

enum class Criterion { kL1, kL2, kBnGamma, kFpgm, kTaylor };
/// How the members' per-channel scores are combined into the group's score.
enum class ScoreReduction { kSum, kMean, kMax };
/// What each member's per-channel scores are divided by before the reduction.
enum class ScoreNormalizer { kNone, kMean, kMax };

/// Defaults: the best mean search-split top-1 after BN recalibration over uniform/global × 50%/25%
/// MACs in bench/criteria_table.sh on a 3-epoch ResNet-20 / Fashion-MNIST (bench/README.md): l2
/// summed over all members without normalisation. On average l2 mean/mean was 2.6 points lower,
/// l2 of the producers alone 12.8, bn_gamma 20.6.
struct ImportanceOptions {
  Criterion criterion = Criterion::kL2;
  ScoreReduction reduction = ScoreReduction::kSum;
  ScoreNormalizer normalizer = ScoreNormalizer::kNone;
  int taylor_batches = 4;  // taylor: training batches whose gradients are accumulated
  /// Score only the members the pre-issue-11 code scored: producers' output rows and depthwise
  /// rows (plus BN for bn_gamma and taylor), no consumer columns. For comparisons
  /// (bench/criteria_table.sh); with sum/none it reproduces the old scores exactly.
  bool producers_only = false;
};

/// "l1", "l2", "bn_gamma", "fpgm", "taylor"; UserError listing them otherwise.
Criterion criterion_from_name(const std::string& name);
const char* criterion_name(Criterion c);
std::vector<std::string> known_criteria();

/// "sum", "mean", "max"; UserError listing them otherwise.
ScoreReduction score_reduction_from_name(const std::string& name);
const char* score_reduction_name(ScoreReduction r);
std::vector<std::string> known_score_reductions();

/// "none", "mean", "max"; UserError listing them otherwise.
ScoreNormalizer score_normalizer_from_name(const std::string& name);
const char* score_normalizer_name(ScoreNormalizer n);
std::vector<std::string> known_score_normalizers();

}  // namespace pk
