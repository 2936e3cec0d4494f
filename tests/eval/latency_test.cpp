#include <gtest/gtest.h>

#include "eval/latency.h"
#include "graph/builder.h"

namespace pk {
namespace {

Graph net(int width) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 32, 32}});
  x = b.relu("r1", b.conv("c1", x, width, 3, 1, 1));
  x = b.relu("r2", b.conv("c2", x, width, 3, 1, 1));
  b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("gap", x)), 10));
  return b.build();
}

TEST(Latency, ReportsOrderedPercentilesAndRestoresThreads) {
  Graph g = net(8);
  Executor ex(g, WeightStore::initialize(g, 0));
  const int before = torch::get_num_threads();
  LatencyOptions o;
  o.batch = 2;
  o.threads = 1;
  o.repetitions = 5;
  LatencyResult r = measure_latency(ex, o);
  EXPECT_EQ(torch::get_num_threads(), before);
  EXPECT_EQ(r.threads, 1);
  EXPECT_EQ(r.runs, 5);
  EXPECT_GT(r.median_ms, 0);
  EXPECT_LE(r.p10_ms, r.median_ms);
  EXPECT_LE(r.median_ms, r.p90_ms);
  EXPECT_NEAR(r.images_per_second, 2 / (r.median_ms / 1e3), 1e-6);
}

TEST(Latency, AWiderNetIsSlower) {
  // 64 vs 4 channels: ~250x the MACs, so the ordering is robust even on a noisy machine.
  Graph small = net(4), big = net(64);
  Executor a(small, WeightStore::initialize(small, 0)), b(big, WeightStore::initialize(big, 0));
  LatencyOptions o;
  o.batch = 8;
  o.threads = 1;
  o.repetitions = 7;
  EXPECT_LT(measure_latency(a, o).median_ms, measure_latency(b, o).median_ms);
}

}  // namespace
}  // namespace pk
