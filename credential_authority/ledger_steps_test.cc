#include "credential_authority/ledger_steps.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "common/errors.h"
#include "common/proto_time.h"
#include "credential_authority/sqlite_ledger.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

const absl::Time kNow = absl::FromUnixSeconds(1735689600);
const Caller kOemA{CallerRole::kOem, "oem-a"};

std::string FreshDb(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string path = std::string(d != nullptr ? d : "/tmp") + "/" + name;
  for (const std::string& f : {path, path + "-wal", path + "-shm"}) std::remove(f.c_str());
  return path;
}

ShareTerms Terms() {
  ShareTerms terms;
  terms.access_point_id = "car-1";
  terms.credential_kind = common::v1::ASYMMETRIC;
  terms.entitlements.Add("unlock");
  *terms.validity.mutable_not_after() = ToProtoTimestamp(kNow + absl::Hours(24));
  terms.token_expires_at = kNow + absl::Hours(48);
  terms.max_redemptions = 1;
  return terms;
}

IssuedCredential Credential(const std::string& id, const std::string& parent_share) {
  IssuedCredential issued;
  issued.credential.set_credential_id(id);
  issued.credential.set_access_point_id("car-1");
  issued.credential.set_parent_share_id(parent_share);
  *issued.credential.mutable_validity()->mutable_not_after() =
      ToProtoTimestamp(kNow + absl::Hours(24));
  return issued;
}

cav1::InitiateShareResponse Response(const std::string& share_id) {
  cav1::InitiateShareResponse resp;
  resp.set_share_id(share_id);
  return resp;
}

class LedgerStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = SqliteLedger::Open(FreshDb(
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    steps_ = std::make_unique<LedgerSteps>(ledger_.get());
  }

  RequestKey Key(const std::string& request_id, const std::string& intent) {
    cav1::InitiateShareRequest request;
    request.set_request_id(request_id);
    request.set_intent(intent);
    return MakeRequestKey("InitiateShare", kOemA, request_id, request);
  }

  std::unique_ptr<SqliteLedger> ledger_;
  std::unique_ptr<LedgerSteps> steps_;
};

TEST_F(LedgerStepsTest, FingerprintCoversMethodCallerAndContent) {
  cav1::InitiateShareRequest request;
  request.set_intent("a");
  const RequestKey key = MakeRequestKey("InitiateShare", kOemA, "r", request);
  EXPECT_EQ(key.request_id, "r");
  EXPECT_EQ(key.method, "InitiateShare");
  EXPECT_EQ(key.fingerprint.size(), 32u);
  EXPECT_EQ(MakeRequestKey("InitiateShare", kOemA, "r", request).fingerprint, key.fingerprint);
  EXPECT_NE(MakeRequestKey("RedeemShare", kOemA, "r", request).fingerprint, key.fingerprint);
  EXPECT_NE(
      MakeRequestKey("InitiateShare", Caller{CallerRole::kOem, "oem-b"}, "r", request).fingerprint,
      key.fingerprint);
  request.set_intent("b");
  EXPECT_NE(MakeRequestKey("InitiateShare", kOemA, "r", request).fingerprint, key.fingerprint);
}

TEST_F(LedgerStepsTest, ARecordedRequestIsReplayedAndAnotherContentConflicts) {
  cav1::InitiateShareResponse resp;
  auto fresh = steps_->Replay(Key("r-1", "intent"), &resp);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_FALSE(*fresh);
  cav1::InitiateShareResponse first = Response("s-1");
  ShareRow row = NewShareRow("s-1", Terms(), "owner", "oem-a", 1, kNow, std::nullopt);
  auto recorded = steps_->RecordShare(row, Key("r-1", "intent"), &first);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_TRUE(*recorded);
  auto replayed = steps_->Replay(Key("r-1", "intent"), &resp);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(*replayed);
  EXPECT_EQ(resp.share_id(), "s-1");
  EXPECT_EQ(ReasonOf(steps_->Replay(Key("r-1", "other"), &resp).status()), "request_id_conflict");
  EXPECT_FALSE(*steps_->Replay(Key("", "intent"), &resp));  // no id: never replayed
}

// A retry that lost the race to a concurrent call with the same request id
// gets the winner's response, and its own share is not recorded.
TEST_F(LedgerStepsTest, ALostRaceAnswersWithTheStoredResponse) {
  cav1::InitiateShareResponse winner = Response("s-1");
  ASSERT_TRUE(steps_
                  ->RecordShare(NewShareRow("s-1", Terms(), "owner", "oem-a", 1, kNow, {}),
                                Key("r-1", "intent"), &winner)
                  .ok());
  cav1::InitiateShareResponse loser = Response("s-2");
  auto recorded = steps_->RecordShare(NewShareRow("s-2", Terms(), "owner", "oem-a", 1, kNow, {}),
                                      Key("r-1", "intent"), &loser);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_FALSE(*recorded);
  EXPECT_EQ(loser.share_id(), "s-1");
  EXPECT_EQ(ReasonOf(ledger_->GetShare("s-2", kNow).status()), "share_not_found");
  cav1::InitiateShareResponse different = Response("s-3");
  EXPECT_EQ(ReasonOf(steps_
                         ->RecordShare(NewShareRow("s-3", Terms(), "owner", "oem-a", 1, kNow, {}),
                                       Key("r-1", "changed"), &different)
                         .status()),
            "request_id_conflict");
}

TEST_F(LedgerStepsTest, RedemptionCommitTakesOverThePinAttempt) {
  ShareRow row = NewShareRow("s-1", Terms(), "owner", "oem-a", 1, kNow, std::nullopt);
  ASSERT_TRUE(ledger_->InsertShare(row, {}).ok());
  ASSERT_TRUE(ledger_->ReservePinAttempt("s-1", kMaxPinAttempts, kNow).ok());
  PinAttempt attempt(ledger_.get(), "s-1");
  cav1::RedeemShareResponse resp;
  auto committed =
      steps_->CommitRedemption("s-1", "oem-b", kNow, Credential("c-1", "s-1"),
                               RequestKey{"r-2", "RedeemShare", "fp"}, &resp, &attempt);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_TRUE(*committed);
  EXPECT_FALSE(attempt.held());
  auto share = ledger_->GetShare("s-1", kNow);
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(share->record.failed_pin_attempts(), 0u);
  EXPECT_EQ(share->record.state(), common::v1::REDEEMED);
  EXPECT_EQ(ReasonOf(CheckRedeemable(*share)), "share_already_redeemed");
}

TEST_F(LedgerStepsTest, NewShareRowAndDepth) {
  ShareRow row = NewShareRow("s-1", Terms(), "owner", "oem-a", 1, kNow + absl::Nanoseconds(1500),
                             PinHash{"salt", "hash", 7});
  EXPECT_EQ(row.record.state(), common::v1::PENDING);
  EXPECT_EQ(row.record.sharer_oem_id(), "oem-a");
  EXPECT_EQ(ToAbslTime(row.record.created_at()), kNow + absl::Microseconds(1));
  EXPECT_EQ(row.pin_iterations, 7u);
  EXPECT_TRUE(CheckRedeemable(row).ok());
  ASSERT_TRUE(ledger_->InsertShare(row, {}).ok());
  common::v1::Credential owner;
  auto owner_depth = steps_->DepthOfNewShare(owner, kNow);
  ASSERT_TRUE(owner_depth.ok());
  EXPECT_EQ(*owner_depth, 1u);
  common::v1::Credential reshared;
  reshared.set_parent_share_id("s-1");
  auto depth = steps_->DepthOfNewShare(reshared, kNow);
  ASSERT_TRUE(depth.ok()) << depth.status();
  EXPECT_EQ(*depth, 2u);
}

}  // namespace
}  // namespace sct::ca
