#include "prune/criterion.h"

#include "core/error.h"
#include "core/strings.h"

namespace pk {
namespace {

const Criterion kCriteria[] = {Criterion::kL1, Criterion::kL2, Criterion::kBnGamma, Criterion::kFpgm,
                               Criterion::kTaylor};
const ScoreReduction kReductions[] = {ScoreReduction::kSum, ScoreReduction::kMean, ScoreReduction::kMax};
const ScoreNormalizer kNormalizers[] = {ScoreNormalizer::kNone, ScoreNormalizer::kMean, ScoreNormalizer::kMax};

/// The enum value of `all` whose name_of is `name`, else UserError naming `what` and the known names.
template <typename E, size_t N, typename NameOf>
E from_name(const std::string& name, const E (&all)[N], NameOf name_of, const char* what) {
  std::vector<std::string> known;
  for (E e : all) {
    if (name == name_of(e)) return e;
    known.push_back(name_of(e));
  }
  throw UserError(fmt::format("unknown {} '{}'; known: {}", what, name, join(known, ", ")));
}

template <typename E, size_t N, typename NameOf>
std::vector<std::string> names(const E (&all)[N], NameOf name_of) {
  std::vector<std::string> out;
  for (E e : all) out.push_back(name_of(e));
  return out;
}

}  // namespace

Criterion criterion_from_name(const std::string& name) {
  return from_name(name, kCriteria, criterion_name, "importance criterion");
}

const char* criterion_name(Criterion c) {
  switch (c) {
    case Criterion::kL1: return "l1";
    case Criterion::kL2: return "l2";
    case Criterion::kBnGamma: return "bn_gamma";
    case Criterion::kFpgm: return "fpgm";
    case Criterion::kTaylor: return "taylor";
  }
  PK_ASSERT(false, "invalid criterion");
}

std::vector<std::string> known_criteria() { return names(kCriteria, criterion_name); }

ScoreReduction score_reduction_from_name(const std::string& name) {
  return from_name(name, kReductions, score_reduction_name, "score reduction");
}

const char* score_reduction_name(ScoreReduction r) {
  switch (r) {
    case ScoreReduction::kSum: return "sum";
    case ScoreReduction::kMean: return "mean";
    case ScoreReduction::kMax: return "max";
  }
  PK_ASSERT(false, "invalid score reduction");
}

std::vector<std::string> known_score_reductions() { return names(kReductions, score_reduction_name); }

ScoreNormalizer score_normalizer_from_name(const std::string& name) {
  return from_name(name, kNormalizers, score_normalizer_name, "score normalizer");
}

const char* score_normalizer_name(ScoreNormalizer n) {
  switch (n) {
    case ScoreNormalizer::kNone: return "none";
    case ScoreNormalizer::kMean: return "mean";
    case ScoreNormalizer::kMax: return "max";
  }
  PK_ASSERT(false, "invalid score normalizer");
}

std::vector<std::string> known_score_normalizers() { return names(kNormalizers, score_normalizer_name); }

}  // namespace pk
