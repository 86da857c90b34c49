#include "credential_authority/sqlite_ledger.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/sqlite.h"

namespace sct::ca {
namespace {

std::string FreshDb(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string path = std::string(d != nullptr ? d : "/tmp") + "/" + name;
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  return path;
}

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

ShareRow MakeShare(const std::string& id, const std::string& parent,
                   uint32_t max_redemptions = 1) {
  ShareRow row;
  row.record.set_share_id(id);
  row.record.set_parent_credential_id(parent);
  row.record.set_access_point_id("car-1");
  row.record.set_max_redemptions(max_redemptions);
  *row.record.mutable_token_expires_at() =
      ToProtoTimestamp(kNow + absl::Hours(1));
  *row.record.mutable_validity()->mutable_not_after() =
      ToProtoTimestamp(kNow + absl::Hours(9));
  row.credential_kind = common::v1::ASYMMETRIC;
  return row;
}

common::v1::Credential MakeCredential(const std::string& id,
                                      const std::string& parent_share) {
  common::v1::Credential c;
  c.set_credential_id(id);
  c.set_access_point_id("car-1");
  c.set_parent_share_id(parent_share);
  *c.mutable_validity()->mutable_not_after() =
      ToProtoTimestamp(kNow + absl::Hours(9));
  return c;
}

// Two connections to one file behave like two authority processes: the
// conditional UPDATE still lets exactly one redemption commit.
TEST(SqliteLedgerTest, ExactlyOnceAcrossConnections) {
  std::string path = FreshDb("two_conns.db");
  auto a = SqliteLedger::Open(path);
  auto b = SqliteLedger::Open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(
      (*a)->InsertCredential(MakeCredential("owner", ""), std::nullopt, {})
          .ok());
  ASSERT_TRUE((*a)->InsertShare(MakeShare("s1", "owner"), {}).ok());
  std::atomic<int> ok{0}, already{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      SqliteLedger* l = (i % 2 == 0 ? a : b)->get();
      absl::Status s = l->CommitRedemption(
          "s1", "oem-b", kNow, MakeCredential("c" + std::to_string(i), "s1"),
          std::nullopt, {}, false).status();
      if (s.ok()) ++ok;
      if (ReasonOf(s) == "share_already_redeemed") ++already;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already.load(), 19);
  auto row = (*b)->GetShare("s1", kNow);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->record.state(), common::v1::REDEEMED);
  EXPECT_EQ(row->record.issued_credential_ids_size(), 1);
}

// Sixteen flows at once (the authority under concurrent redemptions, group
// commit): every write acknowledged, every one present after reopen.
TEST(SqliteLedgerTest, ConcurrentWritesAllAcknowledgedAndPresentAfterReopen) {
  const std::string path = FreshDb("concurrent.db");
  constexpr int kThreads = 16;
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  {
    auto l = SqliteLedger::Open(path);
    ASSERT_TRUE(l.ok()) << l.status();
    ASSERT_TRUE((*l)->InsertCredential(MakeCredential("owner", ""), std::nullopt, {}).ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string share = "s" + std::to_string(t) + "-" + std::to_string(i);
          RequestRecord request;
          request.request_id = "req-" + share;
          request.method = "CreateShare";
          if (!(*l)->InsertShare(MakeShare(share, "owner"), request).ok()) ++failures;
          if (!(*l)->CommitRedemption(share, "oem-b", kNow, MakeCredential("c-" + share, share),
                                      std::nullopt, {}, false)
                   .ok()) {
            ++failures;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto l = SqliteLedger::Open(path);
  ASSERT_TRUE(l.ok()) << l.status();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string share = "s" + std::to_string(t) + "-" + std::to_string(i);
      auto row = (*l)->GetShare(share, kNow);
      ASSERT_TRUE(row.ok()) << share << ": " << row.status();
      EXPECT_EQ(row->record.state(), common::v1::REDEEMED) << share;
      ASSERT_EQ(row->record.issued_credential_ids_size(), 1) << share;
      EXPECT_TRUE((*l)->GetCredential("c-" + share).ok()) << share;
      auto request = (*l)->GetRequest("req-" + share);
      ASSERT_TRUE(request.ok());
      EXPECT_TRUE(request->has_value()) << share;
    }
  }
}

TEST(SqliteLedgerTest, MultiUseShareAndExpiry) {
  auto l = SqliteLedger::Open(FreshDb("multi.db"));
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->InsertShare(MakeShare("s", "owner", 2), {}).ok());
  EXPECT_TRUE((*l)->CommitRedemption("s", "o", kNow, MakeCredential("c1", "s"),
                                     std::nullopt, {}, false)
                  .ok());
  auto row = (*l)->GetShare("s", kNow);
  EXPECT_EQ(row->record.state(), common::v1::PENDING);
  // Past the token expiry the second slot cannot be used.
  absl::Status late = (*l)->CommitRedemption("s", "o", kNow + absl::Hours(2),
                                             MakeCredential("c2", "s"),
                                             std::nullopt, {}, false)
                            .status();
  EXPECT_EQ(ReasonOf(late), "share_expired");
  EXPECT_TRUE((*l)->CommitRedemption("s", "o", kNow, MakeCredential("c3", "s"),
                                     std::nullopt, {}, false)
                  .ok());
  EXPECT_EQ((*l)->GetShare("s", kNow)->record.state(), common::v1::REDEEMED);
  EXPECT_EQ(ReasonOf((*l)->GetShare("nope", kNow).status()), "share_not_found");
}

TEST(SqliteLedgerTest, WrongPinsLockAtLimitAndRequestIdsAreUnique) {
  auto l = SqliteLedger::Open(FreshDb("pins.db"));
  ASSERT_TRUE(l.ok());
  RequestRecord rec{"req-1", "InitiateShare", "fp", "resp"};
  ASSERT_TRUE((*l)->InsertShare(MakeShare("s", "owner"), rec).ok());
  RequestRecord other{"req-1", "InitiateShare", "other-fp", "other-resp"};
  auto dup = (*l)->InsertShare(MakeShare("s2", "owner"), other);
  ASSERT_TRUE(dup.ok()) << dup.status();
  ASSERT_FALSE(dup->applied());
  EXPECT_EQ(dup->already_recorded->fingerprint, "fp");
  EXPECT_EQ(dup->already_recorded->response, "resp");
  EXPECT_EQ(ReasonOf((*l)->GetShare("s2", kNow).status()), "share_not_found");
  for (uint32_t i = 1; i <= 5; ++i) {
    ASSERT_TRUE((*l)->ReservePinAttempt("s", 5, kNow).ok());
    auto n = (*l)->RecordWrongPin("s", 5);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, i);
    EXPECT_EQ((*l)->GetShare("s", kNow)->record.state(),
              i < 5 ? common::v1::PENDING : common::v1::LOCKED);
  }
  EXPECT_EQ(ReasonOf((*l)->ReservePinAttempt("s", 5, kNow)), "share_locked");
  EXPECT_EQ((*l)->GetShare("s", kNow)->record.state(), common::v1::LOCKED);
  EXPECT_EQ(
      ReasonOf((*l)->CommitRedemption("s", "o", kNow, MakeCredential("c", "s"),
                                      std::nullopt, {}, false)
                   .status()),
      "share_locked");
  auto got = (*l)->GetRequest("req-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->response, "resp");
}

// A redemption whose request id is already recorded is rolled back whole:
// the share keeps its slot and no credential is added.
TEST(SqliteLedgerTest, RedemptionWithARecordedRequestIdChangesNothing) {
  auto l = SqliteLedger::Open(FreshDb("replay.db"));
  ASSERT_TRUE(l.ok());
  RequestRecord first{"req-r", "RedeemShare", "fp", "first"};
  ASSERT_TRUE((*l)->InsertShare(MakeShare("s", "owner", 2), {}).ok());
  auto applied = (*l)->CommitRedemption("s", "o", kNow, MakeCredential("c1", "s"),
                                        std::nullopt, first, false);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->applied());
  auto again = (*l)->CommitRedemption("s", "o", kNow, MakeCredential("c2", "s"),
                                      std::nullopt, first, false);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_FALSE(again->applied());
  EXPECT_EQ(again->already_recorded->response, "first");
  auto row = (*l)->GetShare("s", kNow);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->record.redemptions(), 1u);
  EXPECT_EQ(row->record.state(), common::v1::PENDING);
  EXPECT_EQ(ReasonOf((*l)->GetCredential("c2").status()), "credential_not_found");
}

// A delta (RevocationsAfter a recent version) must seek the version index,
// not scan every revocation ever made: its cost follows what is new.
TEST(SqliteLedgerTest, RevocationsAfterSeeksTheVersionIndex) {
  const std::string path = FreshDb("plan.db");
  ASSERT_TRUE(SqliteLedger::Open(path).ok());
  auto db = SqliteDb::Open(path);
  ASSERT_TRUE(db.ok()) << db.status();
  auto plan = SqliteStatement::Prepare(
      **db, absl::StrCat("EXPLAIN QUERY PLAN ", SqliteLedger::kRevocationsAfterSql));
  ASSERT_TRUE(plan.ok()) << plan.status();
  plan->BindInt(1, 5).BindInt(2, 0);
  std::string details;
  while (true) {
    auto row = plan->Step();
    ASSERT_TRUE(row.ok()) << row.status();
    if (!*row) break;
    absl::StrAppend(&details, plan->Text(3), "\n");
  }
  EXPECT_THAT(details, ::testing::HasSubstr("USING INDEX revocations_by_version"));
  EXPECT_THAT(details, ::testing::Not(::testing::HasSubstr("SCAN revocations")));
}

}  // namespace
}  // namespace sct::ca
