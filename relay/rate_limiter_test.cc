#include "relay/rate_limiter.h"

#include "common/clock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

TEST(RateLimiterTest, AcceptsUpToTheLimitThenRefusesUntilTheWindowEnds) {
  FakeClock clock;
  RateLimiter limiter(&clock, 3, absl::Minutes(1));
  EXPECT_TRUE(limiter.TryAcquire("a"));
  clock.Advance(absl::Seconds(10));
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_FALSE(limiter.TryAcquire("a"));
  EXPECT_TRUE(limiter.Exhausted("a"));
  // The window started at the first event, 10 s ago.
  EXPECT_EQ(limiter.RetryAfter("a"), absl::Seconds(50));
  clock.Advance(absl::Seconds(49));
  EXPECT_FALSE(limiter.TryAcquire("a"));
  EXPECT_EQ(limiter.RetryAfter("a"), absl::Seconds(1));
  clock.Advance(absl::Seconds(1));  // exactly one window after the first event
  EXPECT_FALSE(limiter.Exhausted("a"));
  EXPECT_EQ(limiter.RetryAfter("a"), absl::ZeroDuration());
  EXPECT_TRUE(limiter.TryAcquire("a"));
}

TEST(RateLimiterTest, KeysAreIndependent) {
  FakeClock clock;
  RateLimiter limiter(&clock, 1, absl::Minutes(1));
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_FALSE(limiter.TryAcquire("a"));
  EXPECT_TRUE(limiter.TryAcquire("b"));
  EXPECT_EQ(limiter.RetryAfter("b"), absl::Minutes(1));
  EXPECT_EQ(limiter.RetryAfter("c"), absl::ZeroDuration());
}

TEST(RateLimiterTest, RecordCountsPastTheLimit) {
  FakeClock clock;
  RateLimiter limiter(&clock, 2, absl::Minutes(1));
  limiter.Record("a");
  EXPECT_FALSE(limiter.Exhausted("a"));
  limiter.Record("a");
  EXPECT_TRUE(limiter.Exhausted("a"));
  limiter.Record("a");
  EXPECT_TRUE(limiter.Exhausted("a"));
  clock.Advance(absl::Minutes(1));
  EXPECT_FALSE(limiter.Exhausted("a"));
}

TEST(RateLimiterTest, NonPositiveLimitDisables) {
  FakeClock clock;
  RateLimiter limiter(&clock, 0, absl::Minutes(1));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.TryAcquire("a"));
  limiter.Record("a");
  EXPECT_FALSE(limiter.Exhausted("a"));
  EXPECT_EQ(limiter.TrackedKeys(), 0u);
}

TEST(RateLimiterTest, ForgetsKeysWhoseWindowPassed) {
  FakeClock clock;
  RateLimiter limiter(&clock, 5, absl::Minutes(1));
  for (int i = 0; i < 100; ++i) limiter.TryAcquire(std::to_string(i));
  EXPECT_EQ(limiter.TrackedKeys(), 100u);
  clock.Advance(absl::Minutes(2));
  limiter.TryAcquire("new");
  EXPECT_EQ(limiter.TrackedKeys(), 1u);
}

TEST(RateLimiterTest, ClockGoingBackwardsNeverLocksOutForLongerThanAWindow) {
  FakeClock clock;
  RateLimiter limiter(&clock, 1, absl::Minutes(1));
  EXPECT_TRUE(limiter.TryAcquire("a"));
  clock.Advance(-absl::Hours(1));
  EXPECT_EQ(limiter.RetryAfter("a"), absl::ZeroDuration());
  EXPECT_TRUE(limiter.TryAcquire("a"));
}

// The experiment runner's case: a run advances the sim clock 80 h and spends
// a key's budget there, the clock is set back, and the next run advances to
// the same instant again. Without dropping the windows of the undone future,
// the key would find its old window, still full, and be refused.
TEST(RateLimiterTest, WindowsOfAFutureTheClockUndidAreForgotten) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  RateLimiter limiter(&clock, 1, absl::Minutes(1));
  clock.Advance(absl::Hours(80));
  EXPECT_TRUE(limiter.TryAcquire("bob"));
  EXPECT_TRUE(limiter.Exhausted("bob"));
  clock.Set(start + absl::Seconds(5));  // set back
  clock.Advance(absl::Hours(80));       // the next run reaches the same instant
  EXPECT_FALSE(limiter.Exhausted("bob"));
  EXPECT_EQ(limiter.RetryAfter("bob"), absl::ZeroDuration());
  EXPECT_TRUE(limiter.TryAcquire("bob"));
}

// A window that began before the instant the clock went back to stays.
TEST(RateLimiterTest, ASetBackKeepsTheWindowsThatBeganBeforeIt) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  RateLimiter limiter(&clock, 1, absl::Minutes(1));
  EXPECT_TRUE(limiter.TryAcquire("early"));
  clock.Advance(absl::Seconds(10));
  clock.Set(start + absl::Seconds(5));
  EXPECT_FALSE(limiter.TryAcquire("early"));
}

// Without a set-back the same sequence keeps the window (the test above
// fails for the right reason only if this one holds).
TEST(RateLimiterTest, AWindowStaysWhileTheClockOnlyMovesForward) {
  FakeClock clock;
  RateLimiter limiter(&clock, 1, absl::Minutes(1));
  clock.Advance(absl::Hours(80));
  EXPECT_TRUE(limiter.TryAcquire("bob"));
  clock.Advance(absl::Seconds(30));
  EXPECT_TRUE(limiter.Exhausted("bob"));
  EXPECT_FALSE(limiter.TryAcquire("bob"));
}

}  // namespace
}  // namespace sct::relay
