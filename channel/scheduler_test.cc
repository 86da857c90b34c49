#include "channel/scheduler.h"

#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"

namespace sct::channel {
namespace {

TEST(SchedulerTest, RunsTasksOnlyWhenTheClockReachesThem) {
  FakeClock clock;
  Scheduler scheduler(&clock);
  std::vector<int> ran;
  scheduler.At(clock.Now() + absl::Seconds(2), [&] { ran.push_back(2); });
  scheduler.At(clock.Now() + absl::Seconds(1), [&] { ran.push_back(1); });
  EXPECT_EQ(scheduler.RunDue(), 0);
  EXPECT_TRUE(ran.empty());
  clock.Advance(absl::Milliseconds(999));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(ran, std::vector<int>({1}));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(ran, std::vector<int>({1, 2}));
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST(SchedulerTest, SameInstantKeepsInsertionOrderAndTasksMayAddTasks) {
  FakeClock clock;
  Scheduler scheduler(&clock);
  std::vector<int> ran;
  const absl::Time t = clock.Now() + absl::Seconds(1);
  scheduler.At(t, [&] {
    ran.push_back(1);
    scheduler.At(clock.Now(), [&] { ran.push_back(3); });
  });
  scheduler.At(t, [&] { ran.push_back(2); });
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 3);
  EXPECT_EQ(ran, std::vector<int>({1, 2, 3}));
}

TEST(SchedulerTest, StopDiscardsPendingAndRefusesNewTasks) {
  FakeClock clock;
  Scheduler scheduler(&clock);
  int ran = 0;
  scheduler.At(clock.Now(), [&] { ++ran; });
  scheduler.Stop();
  scheduler.At(clock.Now(), [&] { ++ran; });
  EXPECT_EQ(scheduler.RunDue(), 0);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(scheduler.pending(), 0u);
}

// The production loop with the real clock: a task due now runs without
// anyone calling RunDue (waits on a notification, not a sleep).
TEST(SchedulerTest, LoopRunsDueTasksWithTheRealClock) {
  Scheduler scheduler(&RealClock::Get());
  absl::Mutex mu;
  bool done = false;
  scheduler.Start();
  scheduler.At(RealClock::Get().Now(), [&] {
    absl::MutexLock lock(&mu);
    done = true;
  });
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10)));
  scheduler.Stop();
}

}  // namespace
}  // namespace sct::channel
