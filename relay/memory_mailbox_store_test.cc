#include "relay/memory_mailbox_store.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "relay/mailbox_store_conformance.h"

namespace sct::relay {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Memory, MailboxStoreConformanceTest,
    testing::Values(MailboxStoreFactory{
        "memory",
        []() -> absl::StatusOr<std::unique_ptr<MailboxStore>> {
          return std::make_unique<MemoryMailboxStore>();
        }}),
    [](const testing::TestParamInfo<MailboxStoreFactory>& info) { return info.param.name; });

// The memory store keeps one block per mailbox and indexes it by address
// (memory_mailbox_store.h): every change that replaces a block must move the
// create key and the expiry index with it.

std::string Id(int n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(MemoryMailboxStoreTest, CreateKeyAndExpiryFollowAMailboxThroughCompareAndSwap) {
  MemoryMailboxStore store;
  Mailbox m = MakeTestMailbox(Id(1), kNow, kNow + absl::Hours(1));
  ASSERT_TRUE(store.Insert(m, "ck").ok());
  // A different record size, a new expiry: a new block.
  m.payload.data.append(500, 'y');
  m.expires_at = kNow + absl::Hours(3);
  m.version = 2;
  ASSERT_TRUE(store.CompareAndSwap(m, 1, kNow).ok());

  const absl::Time later = kNow + absl::Hours(2);
  auto repeat = store.Insert(MakeTestMailbox(Id(2), later, later + absl::Hours(1)), "ck");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, Id(1));
  EXPECT_EQ(*store.SweepExpired(later, 10), 0);  // the index has the new expiry

  ASSERT_TRUE(store.Delete(Id(1), 2).ok());
  auto reused = store.Insert(MakeTestMailbox(Id(3), later, later + absl::Hours(1)), "ck");
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_TRUE(reused->created);
}

TEST(MemoryMailboxStoreTest, SweepingAnExpiredMailboxKeepsTheCreateKeyItsSuccessorTook) {
  MemoryMailboxStore store;
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(1), kNow, kNow + absl::Hours(1)), "ck").ok());
  const absl::Time later = kNow + absl::Hours(2);
  // Id(1) has expired but is not swept: its key moves to Id(2).
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(2), later, later + absl::Hours(1)), "ck")->created);
  EXPECT_EQ(*store.SweepExpired(later, 10), 1);
  auto repeat = store.Insert(MakeTestMailbox(Id(3), later, later + absl::Hours(1)), "ck");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, Id(2));
}

// Enough mailboxes for every table to grow several times while blocks are
// replaced, deleted and swept; afterwards every index still agrees.
TEST(MemoryMailboxStoreTest, IndexesStayConsistentAcrossGrowth) {
  MemoryMailboxStore store;
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(i), kNow, kNow + absl::Minutes(1 + i % 10)),
                             absl::StrCat("key", i))
                    ->created);
  }
  for (int i = 0; i < kN; i += 2) {  // even: a later expiry, in a new block
    Mailbox m = MakeTestMailbox(Id(i), kNow, kNow + absl::Hours(1));
    m.receiver_claim = "22222222-2222-4222-8222-222222222222";
    m.version = 2;
    ASSERT_TRUE(store.CompareAndSwap(m, 1, kNow).ok()) << i;
  }
  for (int i = 0; i < kN; i += 4) ASSERT_TRUE(store.Delete(Id(i), 2).ok()) << i;
  // The odd ones (1..10 minutes) expire; the even ones left live on.
  EXPECT_EQ(*store.SweepExpired(kNow + absl::Minutes(30), kN), kN / 2);
  EXPECT_EQ(*store.Count(), kN / 4);
  for (int i = 0; i < kN; ++i) {
    const bool live = i % 4 == 2;
    EXPECT_EQ(store.Get(Id(i), kNow + absl::Minutes(30)).ok(), live) << i;
    auto again = store.Insert(MakeTestMailbox(Id(kN + i), kNow + absl::Minutes(30),
                                              kNow + absl::Hours(2)),
                              absl::StrCat("key", i));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->created, !live) << i;
    if (live) {
      EXPECT_EQ(again->existing_id, Id(i));
    }
  }
  EXPECT_EQ(*store.SweepExpired(kNow + absl::Hours(3), 2 * kN), kN / 4 + 3 * kN / 4);
  EXPECT_EQ(*store.Count(), 0);
}

}  // namespace
}  // namespace sct::relay
