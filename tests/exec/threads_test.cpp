// configure_threads: 0 = every core, 1..4 × cores as given, anything else a UserError that
// names --threads, the value and the allowed range.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <thread>

#include "core/error.h"
#include "exec/threads.h"

namespace pk {
namespace {

/// 4 × the cores: the documented maximum.
int expected_max() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

/// The message of the UserError configure_threads(threads) throws, or "" if it throws none (then
/// the thread count is reset to 1).
std::string refusal(int threads) {
  try {
    configure_threads(threads);
  } catch (const UserError& e) {
    return e.what();
  }
  configure_threads(1);
  return "";
}

TEST(Threads, AcceptsZeroAndUpToTheMaximum) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(configure_threads(0), cores);
  EXPECT_EQ(configure_threads(1), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_EQ(configure_threads(expected_max()), expected_max());
  configure_threads(1);
}

TEST(Threads, RefusesTooManyThreadsNamingFlagValueAndRange) {
  const std::string too_many = refusal(10000);
  ASSERT_NE(too_many, "") << "--threads 10000 must be refused";
  for (const std::string& needle : {std::string("--threads"), std::string("10000"),
                                    "0.." + std::to_string(expected_max())})
    EXPECT_NE(too_many.find(needle), std::string::npos) << too_many;
  EXPECT_NE(refusal(expected_max() + 1), "");
  EXPECT_EQ(torch::get_num_threads(), 1) << "a refused value changes nothing";
}

TEST(Threads, RefusesNegativeValues) {
  const std::string negative = refusal(-3);
  ASSERT_NE(negative, "");
  EXPECT_NE(negative.find("--threads -3"), std::string::npos) << negative;
  EXPECT_NE(negative.find("0.." + std::to_string(expected_max())), std::string::npos) << negative;
}

}  // namespace
}  // namespace pk
