// prunekit search: each method's own options on the command line (strategy registry).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct Result {
  int code = -1;
  std::string output;
};

Result prunekit(const std::string& args) {
  Result r;
  FILE* p = popen((std::string(PK_PRUNEKIT_BIN) + " " + args + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(SearchOptions, HelpListsEveryMethodsOptionsWithTheirDefaults) {
  const Result r = prunekit("search --help");
  ASSERT_EQ(r.code, 0);
  for (const char* flag : {"--controller-lr", "--baseline-decay", "--entropy-bonus", "--keep-probability",
                           "--no-standardize-advantages", "--remove-probability", "--projection"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  EXPECT_NE(r.output.find("abcp: initial probability of keeping each residual block (default 0.8)"),
            std::string::npos);
}

// Checked before the model is read: the model path does not exist.
TEST(SearchOptions, AnotherMethodsOptionOrABadValueIsAUsageError) {
  Result r = prunekit("search --model /nonexistent.pkm --method random --controller-lr 0.01");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--controller-lr is an option of search method abcp, not of random"), std::string::npos)
      << r.output;
  r = prunekit("search --model /nonexistent.pkm --method abcp --controller-hidden 1.5");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--controller-hidden expects an integer, got '1.5'"), std::string::npos) << r.output;
  r = prunekit("search --model /nonexistent.pkm --method amc");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("search method 'amc' is unknown; known: abcp, random"), std::string::npos) << r.output;
  r = prunekit("search --model /nonexistent.pkm --projection onto");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("budget projection 'onto' is unknown"), std::string::npos) << r.output;
}

}  // namespace
