#include "scenarios/soak/resources.h"

#include <unistd.h>

#include <algorithm>

#include "gtest/gtest.h"

namespace sct::soak {
namespace {

TEST(PooledSlopeTest, ExactLine) { EXPECT_DOUBLE_EQ(PooledSlope({{{0, 1}, {1, 3}, {2, 5}}}), 2.0); }

TEST(PooledSlopeTest, ARestartDropIsNotADecrease) {
  // Two processes, each flat: the drop between them must not count.
  EXPECT_DOUBLE_EQ(PooledSlope({{{0, 100}, {1, 100}}, {{2, 10}, {3, 10}}}), 0.0);
  // Two processes, each growing by 1 per unit of time.
  EXPECT_DOUBLE_EQ(PooledSlope({{{0, 100}, {1, 101}}, {{2, 10}, {3, 11}}}), 1.0);
}

TEST(PooledSlopeTest, NoSpreadIsZero) {
  EXPECT_EQ(PooledSlope({}), 0.0);
  EXPECT_EQ(PooledSlope({{{1, 5}}}), 0.0);
}

TEST(ResourceSeriesTest, SlopePerHourLeavesOutWarmUp) {
  ResourceSeries series(absl::Seconds(60));
  // Fast start-up growth in the first minute, then 1 MiB and 2 fds per hour.
  series.Add("relay", {0, 7, 10, 5});
  series.Add("relay", {30, 7, 50, 40});
  for (int i = 0; i <= 10; ++i) {
    const double t = 60 + 360.0 * i;
    series.Add("relay", {t, 7, 60 + t / 3600.0, 40 + 2 * t / 3600.0});
  }
  Slopes s = series.SlopesPerService()["relay"];
  EXPECT_NEAR(s.rss_mib_per_h, 1.0, 1e-9);
  EXPECT_NEAR(s.fds_per_h, 2.0, 1e-9);
  EXPECT_EQ(s.samples_used, 11);
}

TEST(ResourceSeriesTest, LateSlopeIsTheSecondHalfOnly) {
  ResourceSeries series(absl::Seconds(60));
  // 1 MiB per minute for 10 minutes, then flat for 10 minutes.
  for (int i = 0; i <= 20; ++i) {
    const double t = 60.0 * i;
    series.Add("ca", {t, 7, 25 + std::min(i, 10) * 1.0, 20});
  }
  Slopes s = series.SlopesPerService()["ca"];
  EXPECT_GT(s.rss_mib_per_h, 20);  // the climb is in the whole-run slope
  EXPECT_NEAR(s.rss_late_mib_per_h, 0.0, 1e-9);
}

TEST(ReadProcTest, ReadsThisProcess) {
  std::optional<ProcSample> s = ReadProc(getpid());
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->rss_mib, 0);
  EXPECT_GE(s->fds, 3);
  EXPECT_FALSE(ReadProc(-5).has_value());
}

}  // namespace
}  // namespace sct::soak
