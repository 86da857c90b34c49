#include "relay/mailbox_store_conformance.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "relay/mailbox_service.h"

namespace sct::relay {

Mailbox MakeTestMailbox(absl::string_view id, absl::Time now, absl::Time expires_at) {
  Mailbox m;
  m.id = std::string(id);
  m.payload.type = kAeadAes256Gcm;
  m.payload.data = std::string("\x00\x01\x02\xff binary \x00 data", 19) + std::string(40, 'x');
  m.display = {"Car key", "A key for the blue car", "https://example.com/car.png"};
  m.access_rights = "RWD";
  m.created_at = now;
  m.expires_at = expires_at;
  m.sender_claim = "11111111-1111-4111-8111-111111111111";
  m.sender_token = NotificationToken{"oem-a", std::string("tok\x00en", 6)};
  m.receiver_claim = "";
  m.receiver_token = std::nullopt;
  m.attestation = "attest";
  m.applied_requests = {"k1", "k:2"};
  m.version = 1;
  return m;
}

namespace {

// A syntactically valid id that differs per `n`.
std::string Id(int n) {
  return absl::StrFormat("00000000-0000-4000-8000-%012d", n);
}

void ExpectSameMailbox(const Mailbox& a, const Mailbox& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.display, b.display);
  EXPECT_EQ(a.access_rights, b.access_rights);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.expires_at, b.expires_at);
  EXPECT_EQ(a.sender_claim, b.sender_claim);
  EXPECT_EQ(a.sender_token, b.sender_token);
  EXPECT_EQ(a.receiver_claim, b.receiver_claim);
  EXPECT_EQ(a.receiver_token, b.receiver_token);
  EXPECT_EQ(a.attestation, b.attestation);
  EXPECT_EQ(a.applied_requests, b.applied_requests);
  EXPECT_EQ(a.version, b.version);
}

}  // namespace

void MailboxStoreConformanceTest::SetUp() {
  auto store = GetParam().make();
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(store).value();
}

TEST_P(MailboxStoreConformanceTest, InsertThenGetRoundTripsEveryField) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1));
  ASSERT_TRUE(store_->Insert(m, "key1").ok());
  auto got = store_->Get(Id(1), now_);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameMailbox(*got, m);
}

TEST_P(MailboxStoreConformanceTest, RoundTripsEmptyAndBoundFields) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1));
  m.sender_token = std::nullopt;
  m.display = {};
  m.attestation = "";
  m.applied_requests.clear();
  ASSERT_TRUE(store_->Insert(m, "").ok());
  auto got = store_->Get(Id(1), now_);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameMailbox(*got, m);

  Mailbox bound = *got;
  bound.receiver_claim = "22222222-2222-4222-8222-222222222222";
  bound.receiver_token = NotificationToken{"oem-b", ""};
  bound.version = 2;
  ASSERT_TRUE(store_->CompareAndSwap(bound, 1, now_).ok());
  got = store_->Get(Id(1), now_);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameMailbox(*got, bound);
}

TEST_P(MailboxStoreConformanceTest, GetUnknownIsNotFound) {
  EXPECT_EQ(store_->Get(Id(9), now_).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(MailboxStoreConformanceTest, ExpiredAtExactlyTheExpiryInstant) {
  const absl::Time expiry = now_ + absl::Minutes(5);
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, expiry), "k").ok());
  EXPECT_TRUE(store_->Get(Id(1), expiry - absl::Nanoseconds(1)).ok());
  EXPECT_EQ(store_->Get(Id(1), expiry).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get(Id(1), expiry + absl::Hours(1)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(MailboxStoreConformanceTest, InsertAnswersCreated) {
  auto first = store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "ck");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->existing_id, "");
  // Without a create key nothing is remembered, and each insert creates.
  auto keyless = store_->Insert(MakeTestMailbox(Id(2), now_, now_ + absl::Hours(1)), "");
  ASSERT_TRUE(keyless.ok()) << keyless.status();
  EXPECT_TRUE(keyless->created);
  EXPECT_EQ(*store_->Count(), 2);
}

TEST_P(MailboxStoreConformanceTest, InsertRejectsTakenId) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "a").ok());
  auto again = store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "b");
  // An error, not mistaken for a create-key repeat.
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_P(MailboxStoreConformanceTest, CreateKeyRepeatReturnsExistingId) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "ck").ok());
  auto repeat = store_->Insert(MakeTestMailbox(Id(2), now_, now_ + absl::Hours(1)), "ck");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, Id(1));
  EXPECT_EQ(store_->Get(Id(2), now_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->Count(), 1);
  // The repeat left the key pointing at the first mailbox.
  repeat = store_->Insert(MakeTestMailbox(Id(3), now_, now_ + absl::Hours(1)), "ck");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->existing_id, Id(1));
}

TEST_P(MailboxStoreConformanceTest, CreateKeyOfExpiredMailboxCanBeReused) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "ck").ok());
  const absl::Time later = now_ + absl::Hours(2);
  auto reused = store_->Insert(MakeTestMailbox(Id(2), later, later + absl::Hours(1)), "ck");
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_TRUE(reused->created);
  EXPECT_TRUE(store_->Get(Id(2), later).ok());
}

TEST_P(MailboxStoreConformanceTest, CreateKeyOfDeletedMailboxCanBeReused) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "ck").ok());
  ASSERT_TRUE(store_->Delete(Id(1), 1).ok());
  auto reused = store_->Insert(MakeTestMailbox(Id(2), now_, now_ + absl::Hours(1)), "ck");
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_TRUE(reused->created);
}

TEST_P(MailboxStoreConformanceTest, CompareAndSwapSucceedsOnExpectedVersion) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1));
  ASSERT_TRUE(store_->Insert(m, "k").ok());
  m.payload.data = "new payload bytes that are long enough....";
  m.applied_requests.push_back("k3");
  m.version = 2;
  ASSERT_TRUE(store_->CompareAndSwap(m, 1, now_).ok());
  auto got = store_->Get(Id(1), now_);
  ASSERT_TRUE(got.ok());
  ExpectSameMailbox(*got, m);
}

TEST_P(MailboxStoreConformanceTest, CompareAndSwapAbortsOnStaleVersion) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1));
  ASSERT_TRUE(store_->Insert(m, "k").ok());
  Mailbox first = m;
  first.receiver_claim = "first";
  first.version = 2;
  ASSERT_TRUE(store_->CompareAndSwap(first, 1, now_).ok());
  Mailbox second = m;
  second.receiver_claim = "second";
  second.version = 2;
  EXPECT_EQ(store_->CompareAndSwap(second, 1, now_).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_->Get(Id(1), now_)->receiver_claim, "first");
}

TEST_P(MailboxStoreConformanceTest, CompareAndSwapNotFoundWhenAbsentOrExpired) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1));
  Mailbox next = m;
  next.version = 2;
  EXPECT_EQ(store_->CompareAndSwap(next, 1, now_).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->Insert(m, "k").ok());
  EXPECT_EQ(store_->CompareAndSwap(next, 1, m.expires_at).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get(Id(1), now_)->version, 1);
}

TEST_P(MailboxStoreConformanceTest, ConcurrentCompareAndSwapHasExactlyOneWinner) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "k").ok());
  constexpr int kThreads = 32;
  std::atomic<int> winners{0}, aborted{0}, have_read{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto m = store_->Get(Id(1), now_);
      // Everyone holds version 1 before anyone writes: only the store's
      // version check can pick the winner.
      ++have_read;
      while (have_read.load() < kThreads) std::this_thread::yield();
      if (!m.ok()) return;
      Mailbox next = *m;
      next.receiver_claim = absl::StrCat("claim-", i);
      next.version = m->version + 1;
      absl::Status s = store_->CompareAndSwap(next, m->version, now_);
      if (s.ok()) ++winners;
      if (s.code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  auto final_mb = store_->Get(Id(1), now_);
  ASSERT_TRUE(final_mb.ok());
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(aborted.load(), kThreads - 1);
  EXPECT_EQ(final_mb->version, 2);
}

TEST_P(MailboxStoreConformanceTest, DeleteChecksVersion) {
  ASSERT_TRUE(store_->Insert(MakeTestMailbox(Id(1), now_, now_ + absl::Hours(1)), "k").ok());
  EXPECT_EQ(store_->Delete(Id(1), 7).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(store_->Get(Id(1), now_).ok());
  EXPECT_TRUE(store_->Delete(Id(1), 1).ok());
  EXPECT_EQ(store_->Get(Id(1), now_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(Id(1), 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->Count(), 0);
}

TEST_P(MailboxStoreConformanceTest, SweepRemovesOnlyExpiredOldestFirstWithinLimit) {
  // Mailboxes expiring at now+1m ... now+10m.
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(store_
                    ->Insert(MakeTestMailbox(Id(i), now_, now_ + absl::Minutes(i)),
                             absl::StrCat("key", i))
                    .ok());
  }
  EXPECT_EQ(*store_->Count(), 10);
  const absl::Time t = now_ + absl::Minutes(6);  // 1..6 expired (6 exactly at t)
  auto swept = store_->SweepExpired(t, 4);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 4);
  EXPECT_EQ(*store_->Count(), 6);
  // The earliest expiries went first: 5 and 6 are still stored (but expired).
  for (int i = 1; i <= 4 && !GetParam().sweep_leaves_records; ++i) {
    EXPECT_EQ(store_->Delete(Id(i), 1).code(), absl::StatusCode::kNotFound) << i;
  }
  swept = store_->SweepExpired(t, 100);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 2);
  EXPECT_EQ(*store_->SweepExpired(t, 100), 0);
  EXPECT_EQ(*store_->Count(), 4);
  for (int i = 7; i <= 10; ++i) EXPECT_TRUE(store_->Get(Id(i), t).ok()) << i;
  // The swept mailboxes' create keys are free again.
  auto freed = store_->Insert(MakeTestMailbox(Id(11), t, t + absl::Hours(1)), "key1");
  ASSERT_TRUE(freed.ok()) << freed.status();
  EXPECT_TRUE(freed->created);
  // A live mailbox's create key is not.
  auto held = store_->Insert(MakeTestMailbox(Id(12), t, t + absl::Hours(1)), "key9");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(held->created);
  EXPECT_EQ(held->existing_id, Id(9));
}

TEST_P(MailboxStoreConformanceTest, SweepFollowsExpiryChangedByCompareAndSwap) {
  Mailbox m = MakeTestMailbox(Id(1), now_, now_ + absl::Minutes(1));
  ASSERT_TRUE(store_->Insert(m, "k").ok());
  m.expires_at = now_ + absl::Hours(1);
  m.version = 2;
  ASSERT_TRUE(store_->CompareAndSwap(m, 1, now_).ok());
  EXPECT_EQ(*store_->SweepExpired(now_ + absl::Minutes(2), 10), 0);
  EXPECT_TRUE(store_->Get(Id(1), now_ + absl::Minutes(2)).ok());
  EXPECT_EQ(*store_->SweepExpired(now_ + absl::Hours(1), 10), 1);
}

TEST_P(MailboxStoreConformanceTest, CountTracksInsertsDeletesAndSweeps) {
  EXPECT_EQ(*store_->Count(), 0);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(
        store_->Insert(MakeTestMailbox(Id(i), now_, now_ + absl::Minutes(i)), "").ok());
  }
  EXPECT_EQ(*store_->Count(), 3);
  ASSERT_TRUE(store_->Delete(Id(3), 1).ok());
  EXPECT_EQ(*store_->Count(), 2);
  ASSERT_TRUE(store_->SweepExpired(now_ + absl::Minutes(1), 10).ok());
  EXPECT_EQ(*store_->Count(), 1);
}

// A used (claim, request id) is a repeat only on the mailbox it deleted: on
// any other id it is a failed lookup (404, counted), never a 201 that would
// confirm nothing and let an id guesser through the lookup limit.
TEST_P(MailboxStoreConformanceTest, DeleteRepeatIsRecognisedOnlyOnTheDeletedMailbox) {
  FakeClock clock(now_);
  std::unique_ptr<DeleteLog> deletes;
  if (GetParam().make_delete_log) deletes = GetParam().make_delete_log();
  RelayLimits limits;
  limits.failed_lookups_per_window = 2;
  SharedRelayState shared;
  shared.deletes = deletes.get();
  MailboxService service(store_.get(), &clock, nullptr, "https://relay.example", limits, shared);
  const CallContext ctx{"192.0.2.1"};
  CreateMailboxRequest create;
  create.device_claim = NewUuidV4();
  create.request_id = NewUuidV4();
  create.payload = Payload{kAeadAes128Gcm, std::string(64, 'p')};
  auto created = service.CreateMailbox(ctx, create);
  ASSERT_TRUE(created.ok()) << created.status();
  const DeleteMailboxRequest del{created->mailbox_id, create.device_claim, NewUuidV4()};
  auto deleted = service.DeleteMailbox(ctx, del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_FALSE(deleted->repeated);
  auto repeat = service.DeleteMailbox(ctx, del);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_TRUE(repeat->repeated);

  for (int i = 0; i < 2; ++i) {
    DeleteMailboxRequest guess = del;
    guess.mailbox_id = NewUuidV4();
    absl::Status s = service.DeleteMailbox(ctx, guess).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
    EXPECT_EQ(ReasonOf(s), "mailbox_not_found") << s;
  }
  // Both guesses counted: the address is now locked out of every lookup.
  absl::Status locked = service.DeleteMailbox(ctx, del).status();
  EXPECT_EQ(ReasonOf(locked), "rate_limited") << locked;
}

}  // namespace sct::relay
