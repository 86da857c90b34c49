#include "relay/shared_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

// A repeat of a delete is recognised for the retention period, then
// forgotten (the mailbox it speaks of is gone for good; docs/relay.md).
TEST(LocalDeleteLogTest, ARepeatIsRecognisedForTheRetentionThenForgotten) {
  FakeClock clock;
  LocalDeleteLog log(&clock, /*capacity=*/100, absl::Minutes(10));
  ASSERT_TRUE(log.Remember("m1", "claim|req").ok());
  EXPECT_TRUE(*log.Contains("m1", "claim|req"));
  EXPECT_FALSE(*log.Contains("m2", "claim|req"));  // keyed by the mailbox too
  EXPECT_FALSE(*log.Contains("m1", "claim|other"));
  clock.Advance(absl::Minutes(9));
  EXPECT_TRUE(*log.Contains("m1", "claim|req"));
  EXPECT_EQ(log.size(), 1u);
  clock.Advance(absl::Minutes(2));
  EXPECT_FALSE(*log.Contains("m1", "claim|req"));
  EXPECT_EQ(log.size(), 0u);
}

TEST(LocalDeleteLogTest, BeyondTheCapacityTheOldestGoFirst) {
  FakeClock clock;
  LocalDeleteLog log(&clock, /*capacity=*/3, absl::ZeroDuration());
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log.Remember(absl::StrCat("m", i), "k").ok());
  EXPECT_EQ(log.size(), 3u);
  EXPECT_FALSE(*log.Contains("m1", "k"));
  EXPECT_FALSE(*log.Contains("m2", "k"));
  EXPECT_TRUE(*log.Contains("m3", "k"));
  EXPECT_TRUE(*log.Contains("m5", "k"));
  // Remembering a pair it holds adds nothing.
  ASSERT_TRUE(log.Remember("m5", "k").ok());
  EXPECT_EQ(log.size(), 3u);
  EXPECT_TRUE(*log.Contains("m3", "k"));
}

// The soak's relay: one delete every 100 ms of the injected clock for an
// hour. Without the retention the log keeps its whole capacity (65,536).
TEST(LocalDeleteLogTest, ASteadyStreamOfDeletesKeepsOnlyTheRetentionPeriod) {
  FakeClock clock;
  LocalDeleteLog log(&clock, LocalDeleteLog::kDefaultCapacity,
                     LocalDeleteLog::kDefaultRetention);
  for (int i = 0; i < 36000; ++i) {
    ASSERT_TRUE(log.Remember(absl::StrCat("mailbox-", i), "claim|request").ok());
    clock.Advance(absl::Milliseconds(100));
  }
  // Ten minutes of deletes: 6,000 (the last one 100 ms ago).
  EXPECT_EQ(log.size(), 6000u);
  EXPECT_TRUE(*log.Contains("mailbox-35999", "claim|request"));
  EXPECT_FALSE(*log.Contains("mailbox-29000", "claim|request"));
}

}  // namespace
}  // namespace sct::relay
