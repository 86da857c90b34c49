#include "credential_authority/pin_gate.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "common/errors.h"
#include "common/proto_time.h"
#include "credential_authority/sqlite_ledger.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

std::string FreshDb(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string path = std::string(d != nullptr ? d : "/tmp") + "/" + name;
  for (const std::string& f : {path, path + "-wal", path + "-shm"}) std::remove(f.c_str());
  return path;
}

class PinGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = SqliteLedger::Open(FreshDb(
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    auto key = PinKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::make_unique<PinKey>(*key);
    gate_ = std::make_unique<PinGate>(ledger_.get(), *key_);
  }

  // A pending share "s" whose PIN is `pin` (none when empty).
  ShareRow AddShare(const std::string& pin) { return AddShareWithId("s", pin); }

  ShareRow AddShareWithId(const std::string& share_id, const std::string& pin) {
    ShareRow row;
    row.record.set_share_id(share_id);
    row.record.set_parent_credential_id("owner");
    row.record.set_max_redemptions(1);
    row.record.set_pin_required(!pin.empty());
    *row.record.mutable_token_expires_at() = ToProtoTimestamp(kNow + absl::Hours(1));
    auto verifier = gate_->VerifierForNewShare(!pin.empty(), pin);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    if (verifier.ok() && verifier->has_value()) return Insert(std::move(row), **verifier);
    EXPECT_TRUE(ledger_->InsertShare(row, {}).ok());
    return row;
  }

  // Records `row` with `verifier` and reads it back from the ledger.
  ShareRow Insert(ShareRow row, const PinHash& verifier) {
    row.pin_salt = verifier.salt;
    row.pin_hash = verifier.hash;
    row.pin_iterations = verifier.iterations;
    EXPECT_TRUE(ledger_->InsertShare(row, {}).ok());
    auto back = ledger_->GetShare(row.record.share_id(), kNow);
    EXPECT_TRUE(back.ok()) << back.status();
    return back.ok() ? *back : row;
  }

  uint32_t Attempts() { return ledger_->GetShare("s", kNow)->record.failed_pin_attempts(); }

  std::unique_ptr<SqliteLedger> ledger_;
  std::unique_ptr<PinKey> key_;
  std::unique_ptr<PinGate> gate_;
};

TEST_F(PinGateTest, NewShareVerifierRules) {
  auto none = gate_->VerifierForNewShare(false, "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(ReasonOf(gate_->VerifierForNewShare(false, "123456").status()), "invalid_field");
  EXPECT_EQ(ReasonOf(gate_->VerifierForNewShare(true, "12345").status()), "invalid_field");
  EXPECT_EQ(ReasonOf(gate_->VerifierForNewShare(true, "").status()), "invalid_field");
  auto pin = gate_->VerifierForNewShare(true, "493817");
  ASSERT_TRUE(pin.ok()) << pin.status();
  ASSERT_TRUE(pin->has_value());
  EXPECT_EQ((*pin)->iterations, 0u);  // keyed by the gate's PIN key
  EXPECT_EQ((*pin)->hash.substr(0, 8), key_->id());
  EXPECT_EQ((*pin)->hash.find("493817"), std::string::npos);
}

TEST_F(PinGateTest, ShareWithoutPinHoldsNoAttempt) {
  ShareRow share = AddShare("");
  auto attempt = gate_->Admit(share, "", kNow);
  ASSERT_TRUE(attempt.ok()) << attempt.status();
  EXPECT_FALSE(attempt->held());
}

TEST_F(PinGateTest, RightPinHoldsAnAttemptUntilReleased) {
  ShareRow share = AddShare("493817");
  EXPECT_EQ(ReasonOf(gate_->Admit(share, "", kNow).status()), "pin_required");
  EXPECT_EQ(Attempts(), 0u);
  {
    auto attempt = gate_->Admit(share, "493817", kNow);
    ASSERT_TRUE(attempt.ok()) << attempt.status();
    EXPECT_TRUE(attempt->held());
    EXPECT_EQ(Attempts(), 1u);
  }
  EXPECT_EQ(Attempts(), 0u);  // given back by the destructor
  {
    auto attempt = gate_->Admit(share, "493817", kNow);
    ASSERT_TRUE(attempt.ok());
    attempt->TakenByCommit();
  }
  EXPECT_EQ(Attempts(), 1u);  // the commit's job, not the destructor's
}

TEST_F(PinGateTest, FiveWrongPinsLockTheShare) {
  ShareRow share = AddShare("493817");
  for (uint32_t i = 1; i <= kMaxPinAttempts; ++i) {
    absl::Status wrong = gate_->Admit(share, "000000", kNow).status();
    EXPECT_EQ(ReasonOf(wrong), "wrong_pin");
    EXPECT_EQ(wrong.code(), absl::StatusCode::kPermissionDenied);
    if (i < kMaxPinAttempts) {
      EXPECT_NE(wrong.message().find("attempts left"), absl::string_view::npos) << wrong;
    } else {
      EXPECT_EQ(wrong.message(), "wrong PIN; the share is now locked");
    }
    EXPECT_EQ(Attempts(), i);
  }
  EXPECT_EQ(ReasonOf(gate_->Admit(share, "493817", kNow).status()), "share_locked");
  EXPECT_EQ(ledger_->GetShare("s", kNow)->record.state(), common::v1::LOCKED);
}

TEST_F(PinGateTest, TheAuthoritysLimitReplacesTheDefault) {
  ShareRow share = AddShare("493817");
  PinGate two(ledger_.get(), *key_, /*max_attempts=*/2);
  absl::Status first = two.Admit(share, "000000", kNow).status();
  EXPECT_EQ(first.message(), "wrong PIN; 1 attempts left");
  absl::Status second = two.Admit(share, "111111", kNow).status();
  EXPECT_EQ(second.message(), "wrong PIN; the share is now locked");
  EXPECT_EQ(ReasonOf(two.Admit(share, "493817", kNow).status()), "share_locked");
  EXPECT_EQ(Attempts(), 2u);

  ShareRow more = AddShareWithId("s2", "493817");
  PinGate eight(ledger_.get(), *key_, 8);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(ReasonOf(eight.Admit(more, "000000", kNow).status()), "wrong_pin");
  }
  // Seven wrong PINs lock a share under the default limit, not under eight.
  EXPECT_TRUE(eight.Admit(more, "493817", kNow).ok());
}

// A share recorded before the keyed scheme (a PBKDF2 verifier in the ledger)
// still admits its PIN, and its wrong PINs still count and lock it.
TEST_F(PinGateTest, SharesWithAPbkdf2VerifierKeepWorking) {
  auto old = HashPinPbkdf2("493817", 1000);
  ASSERT_TRUE(old.ok()) << old.status();
  ShareRow row;
  row.record.set_share_id("s");
  row.record.set_parent_credential_id("owner");
  row.record.set_max_redemptions(1);
  row.record.set_pin_required(true);
  *row.record.mutable_token_expires_at() = ToProtoTimestamp(kNow + absl::Hours(1));
  ShareRow share = Insert(row, *old);
  ASSERT_EQ(share.pin_iterations, 1000u);
  EXPECT_EQ(ReasonOf(gate_->Admit(share, "000000", kNow).status()), "wrong_pin");
  EXPECT_EQ(Attempts(), 1u);
  {
    auto attempt = gate_->Admit(share, "493817", kNow);
    ASSERT_TRUE(attempt.ok()) << attempt.status();
    EXPECT_TRUE(attempt->held());
  }
  for (uint32_t i = 2; i <= kMaxPinAttempts; ++i) {
    EXPECT_EQ(ReasonOf(gate_->Admit(share, "000000", kNow).status()), "wrong_pin");
  }
  EXPECT_EQ(ReasonOf(gate_->Admit(share, "493817", kNow).status()), "share_locked");
}

// A verifier made under another PIN key (the authority was started with a
// different key file) is the authority's fault: it is refused with its own
// reason and spends none of the share's attempts.
TEST_F(PinGateTest, AVerifierUnderAnotherKeyCountsNoAttempt) {
  ShareRow share = AddShare("493817");
  auto other_key = PinKey::Generate();
  ASSERT_TRUE(other_key.ok());
  PinGate other(ledger_.get(), *other_key);
  for (int i = 0; i < 2 * static_cast<int>(kMaxPinAttempts); ++i) {
    absl::Status s = other.Admit(share, "493817", kNow).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(s), "pin_key_mismatch");
  }
  EXPECT_EQ(Attempts(), 0u);
  EXPECT_TRUE(gate_->Admit(share, "493817", kNow).ok());
}

}  // namespace
}  // namespace sct::ca
