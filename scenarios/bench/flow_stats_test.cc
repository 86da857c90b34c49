#include "scenarios/bench/flow_stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace sct::bench {
namespace {

TEST(FlowStatsTest, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 90), 90);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile(v, 0), 1);
  EXPECT_EQ(Percentile(v, 0.5), 1);
  EXPECT_EQ(Percentile(v, 1.5), 2);
}

TEST(FlowStatsTest, SmallSamplesP99IsTheMaximum) {
  // With 50 samples the nearest-rank p99 is the 50th, i.e. the maximum.
  std::vector<double> v;
  for (int i = 1; i <= 50; ++i) v.push_back(i * 2.0);
  Summary s = Summarize(v);
  EXPECT_EQ(s.count, 50u);
  EXPECT_EQ(s.min, 2);
  EXPECT_EQ(s.median, 50);  // rank 25
  EXPECT_EQ(s.p90, 90);     // rank 45
  EXPECT_EQ(s.p99, 100);    // rank 50
  EXPECT_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 51);
}

TEST(FlowStatsTest, EmptyIsAllZero) {
  Summary s = Summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.p99, 0);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(FlowStatsTest, MedianRatioSkipsMissingAndZeroDenominators) {
  EXPECT_EQ(MedianRatio({10, 20, 30, 40}, {1, 2, 0}), 10);  // {10, 10}
  EXPECT_EQ(MedianRatio({9, 8, 1}, {3, 2, 1}), 3);          // {3, 4, 1}
  EXPECT_EQ(MedianRatio({1}, {0}), 0);
}

}  // namespace
}  // namespace sct::bench
