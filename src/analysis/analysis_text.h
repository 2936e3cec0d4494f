// Readable dump of a ChannelAnalysis: groups with size, prunability (reason), members; the
// channel mapping of every value (run-length: `group[a,b)`); every Add with its removability.
// Used for golden files (tests/golden/analysis/) and `prunekit analyze`. Deterministic.
#pragma once

#include <string>

#include "analysis/channel_analysis.h"

namespace pk {

struct AnalysisTextOptions {
  bool values = true;  // include the per-value channel mapping section
};

std::string to_text(const ChannelAnalysis& analysis, const AnalysisTextOptions& options = {});

}  // namespace pk
