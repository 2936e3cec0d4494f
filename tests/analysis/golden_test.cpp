// Golden dumps of the channel analysis of small nets (tests/golden/analysis/). A change in a
// group, member, reason, mapping or block shows up as a diff. Regenerate deliberately with
// PK_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>

#include "analysis/analysis_text.h"
#include "core/atomic_file.h"
#include "small_nets.h"

namespace pk {
namespace {

void check_golden(const std::string& stem, const Graph& g) {
  const std::string path = std::string(PK_GOLDEN_DIR) + "/analysis/" + stem + ".txt";
  const std::string text = to_text(analyze_channels(g));  // default options
  const char* update = std::getenv("PK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream probe(path);
  ASSERT_TRUE(probe.good()) << path << " is missing; create it with PK_UPDATE_GOLDEN=1";
  EXPECT_EQ(text, read_file(path)) << "channel analysis of '" << stem << "' differs from " << path
                                   << "; if intended, rerun with PK_UPDATE_GOLDEN=1 and review the diff";
}

class AnalysisGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(AnalysisGolden, MatchesFile) {
  for (const auto& [stem, g] : test::small_nets())
    if (stem == GetParam()) return check_golden(stem, g);
  FAIL() << "no small net " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(SmallNets, AnalysisGolden,
                         ::testing::Values("chain", "residual", "projection", "concat", "depthwise", "group_conv_g2",
                                           "group_conv_g4", "flatten_linear", "se", "permute", "add_mismatch", "nested",
                                           "resnext", "two_groupings", "concat_group_conv"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace pk
