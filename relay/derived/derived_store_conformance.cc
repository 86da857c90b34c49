#include "relay/derived/derived_store_conformance.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"

namespace sct::relay::derived {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

DerivedMessage Message(std::string body, absl::Duration ttl = absl::Hours(1)) {
  return DerivedMessage{std::move(body), kNow, kNow + ttl};
}

std::string Location(int i) { return "loc-" + std::to_string(i); }

TEST_P(DerivedStoreConformance, PutThenGetReturnsTheBytes) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  const std::string body("\x00\x01binary\xff", 9);
  ASSERT_TRUE(store->Put(Location(1), Message(body), kNow).ok());
  absl::StatusOr<DerivedMessage> got = store->Get(Location(1), kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, body);
  EXPECT_EQ(got->stored_at, kNow);
  EXPECT_EQ(got->expires_at, kNow + absl::Hours(1));
}

TEST_P(DerivedStoreConformance, FirstWriteWins) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  ASSERT_TRUE(store->Put(Location(1), Message("first"), kNow).ok());
  absl::Status second = store->Put(Location(1), Message("second"), kNow);
  EXPECT_EQ(second.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(second), "location_occupied");
  EXPECT_EQ(store->Get(Location(1), kNow)->body, "first");
}

TEST_P(DerivedStoreConformance, DeleteRemovesAndASecondDeleteFindsNothing) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  ASSERT_TRUE(store->Put(Location(1), Message("m"), kNow).ok());
  ASSERT_TRUE(store->Delete(Location(1), kNow).ok());
  EXPECT_EQ(ReasonOf(store->Get(Location(1), kNow).status()), "message_not_found");
  EXPECT_EQ(ReasonOf(store->Delete(Location(1), kNow)), "message_not_found");
  // The location is free again.
  EXPECT_TRUE(store->Put(Location(1), Message("again"), kNow).ok());
}

TEST_P(DerivedStoreConformance, UnknownLocationIsNotFound) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  absl::Status s = store->Get(Location(9), kNow).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(s), "message_not_found");
}

TEST_P(DerivedStoreConformance, ExpiredIsGoneAndReplaceable) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  ASSERT_TRUE(store->Put(Location(1), Message("old", absl::Minutes(1)), kNow).ok());
  const absl::Time later = kNow + absl::Minutes(1);
  EXPECT_EQ(ReasonOf(store->Get(Location(1), later).status()), "message_not_found");
  ASSERT_TRUE(
      store->Put(Location(1), DerivedMessage{"new", later, later + absl::Hours(1)}, later).ok());
  EXPECT_EQ(store->Get(Location(1), later)->body, "new");
}

TEST_P(DerivedStoreConformance, SweepRemovesOnlyExpired) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  ASSERT_TRUE(store->Put(Location(1), Message("short", absl::Minutes(1)), kNow).ok());
  ASSERT_TRUE(store->Put(Location(2), Message("long", absl::Hours(2)), kNow).ok());
  absl::StatusOr<int64_t> swept = store->SweepExpired(kNow + absl::Hours(1));
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(*store->Count(), 1);
  EXPECT_TRUE(store->Get(Location(2), kNow + absl::Hours(1)).ok());
}

TEST_P(DerivedStoreConformance, RacingWritersOneWins) {
  std::unique_ptr<DerivedStore> store = GetParam().open();
  absl::Mutex mu;
  int wins = 0, occupied = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      absl::Status s = store->Put(Location(1), Message("w" + std::to_string(i)), kNow);
      absl::MutexLock lock(&mu);
      if (s.ok()) {
        ++wins;
      } else {
        ++occupied;
        EXPECT_EQ(ReasonOf(s), "location_occupied");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(occupied, 7);
}

TEST_P(DerivedStoreConformance, AcknowledgedWritesSurviveAReopen) {
  if (!GetParam().reopen) GTEST_SKIP() << GetParam().name << " does not persist";
  std::unique_ptr<DerivedStore> store = GetParam().open();
  ASSERT_TRUE(store->Put(Location(1), Message("kept"), kNow).ok());
  ASSERT_TRUE(store->Put(Location(2), Message("deleted"), kNow).ok());
  ASSERT_TRUE(store->Delete(Location(2), kNow).ok());
  store = GetParam().reopen(std::move(store));
  EXPECT_EQ(store->Get(Location(1), kNow)->body, "kept");
  EXPECT_EQ(ReasonOf(store->Get(Location(2), kNow).status()), "message_not_found");
}

}  // namespace
}  // namespace sct::relay::derived
