#include "common/clock.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(FakeClockTest, StartsAtFixedInstant) {
  FakeClock clock;
  EXPECT_EQ(clock.Now(), absl::FromCivil(absl::CivilSecond(2025, 1, 1, 0, 0, 0),
                                         absl::UTCTimeZone()));
  FakeClock other(absl::UnixEpoch());
  EXPECT_EQ(other.Now(), absl::UnixEpoch());
}

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock;
  absl::Time t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  clock.Advance(absl::Hours(48));
  EXPECT_EQ(clock.Now(), t0 + absl::Hours(48));
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(clock.Now(), t0 + absl::Hours(48) + absl::Nanoseconds(1));
  clock.Advance(-absl::Hours(1));  // backwards jumps are allowed (skew faults)
  EXPECT_EQ(clock.Now(), t0 + absl::Hours(47) + absl::Nanoseconds(1));
  clock.Set(absl::UnixEpoch());
  EXPECT_EQ(clock.Now(), absl::UnixEpoch());
}

TEST(FakeClockTest, ConcurrentAdvancesAllCount) {
  FakeClock clock;
  absl::Time t0 = clock.Now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&clock] {
      for (int j = 0; j < 1000; ++j) {
        clock.Advance(absl::Seconds(1));
        (void)clock.Now();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Now(), t0 + absl::Seconds(4000));
}

TEST(SkewedClockTest, AddsOffsetAndFollowsBase) {
  FakeClock base;
  SkewedClock ahead(base, absl::Minutes(5));
  SkewedClock behind(base, -absl::Minutes(5));
  EXPECT_EQ(ahead.Now(), base.Now() + absl::Minutes(5));
  EXPECT_EQ(behind.Now(), base.Now() - absl::Minutes(5));
  base.Advance(absl::Hours(1));
  EXPECT_EQ(ahead.Now(), base.Now() + absl::Minutes(5));
  EXPECT_EQ(behind.Now(), base.Now() - absl::Minutes(5));
}

TEST(RealClockTest, IsCloseToSystemTime) {
  Clock& clock = RealClock::Get();
  EXPECT_EQ(&clock, &RealClock::Get());
  absl::Time before = absl::Now();
  absl::Time now = clock.Now();
  absl::Time after = absl::Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace sct
