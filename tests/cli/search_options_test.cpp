// prunekit search: each method's own options on the command line (strategy registry).
#include <gtest/gtest.h>

#include <string>

#include "support/command.h"

namespace {

using pk::testing::CommandResult;

CommandResult prunekit(const std::string& args) { return pk::testing::run_prunekit(args); }

TEST(SearchOptions, HelpListsEveryMethodsOptionsWithTheirDefaults) {
  const CommandResult r = prunekit("search --help");
  ASSERT_EQ(r.code, 0);
  for (const char* flag : {"--controller-lr", "--baseline-decay", "--entropy-bonus", "--keep-probability",
                           "--no-standardize-advantages", "--remove-probability", "--projection"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  EXPECT_NE(r.output.find("abcp: initial probability of keeping each residual block (default 0.8)"),
            std::string::npos);
  // The DDPG methods share their agent's options; per-method defaults of --episodes and --reward.
  EXPECT_NE(r.output.find("lfgcl, amc: Adam learning rate of the DDPG actor (default 0.0001)"), std::string::npos);
  EXPECT_NE(r.output.find("lfgcl: 400"), std::string::npos);
  EXPECT_NE(r.output.find("lfgcl: label_free"), std::string::npos);
}

// Checked before the model is read: the model path does not exist.
TEST(SearchOptions, AnotherMethodsOptionOrABadValueIsAUsageError) {
  CommandResult r = prunekit("search --model /nonexistent.pkm --method random --controller-lr 0.01");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--controller-lr is an option of search method abcp, not of random"), std::string::npos)
      << r.output;
  r = prunekit("search --model /nonexistent.pkm --method abcp --controller-hidden 1.5");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--controller-hidden expects an integer, got '1.5'"), std::string::npos) << r.output;
  r = prunekit("search --model /nonexistent.pkm --method ddpg");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("search method 'ddpg' is unknown; known: abcp, random, lfgcl, amc"), std::string::npos)
      << r.output;
  r = prunekit("search --model /nonexistent.pkm --method lfgcl --updates-per-step 2");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--updates-per-step is an option of search method amc, not of lfgcl"), std::string::npos)
      << r.output;
  r = prunekit("search --model /nonexistent.pkm --projection onto");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("budget projection 'onto' is unknown"), std::string::npos) << r.output;
}

}  // namespace
