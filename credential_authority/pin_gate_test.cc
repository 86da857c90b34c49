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
constexpr uint32_t kIterations = 1000;

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
    gate_ = std::make_unique<PinGate>(ledger_.get(), kIterations);
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
    if (verifier.ok() && verifier->has_value()) {
      row.pin_salt = (*verifier)->salt;
      row.pin_hash = (*verifier)->hash;
      row.pin_iterations = (*verifier)->iterations;
    }
    EXPECT_TRUE(ledger_->InsertShare(row, {}).ok());
    return row;
  }

  uint32_t Attempts() { return ledger_->GetShare("s", kNow)->record.failed_pin_attempts(); }

  std::unique_ptr<SqliteLedger> ledger_;
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
  EXPECT_EQ((*pin)->iterations, kIterations);
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
  PinGate two(ledger_.get(), kIterations, /*max_attempts=*/2);
  absl::Status first = two.Admit(share, "000000", kNow).status();
  EXPECT_EQ(first.message(), "wrong PIN; 1 attempts left");
  absl::Status second = two.Admit(share, "111111", kNow).status();
  EXPECT_EQ(second.message(), "wrong PIN; the share is now locked");
  EXPECT_EQ(ReasonOf(two.Admit(share, "493817", kNow).status()), "share_locked");
  EXPECT_EQ(Attempts(), 2u);

  ShareRow more = AddShareWithId("s2", "493817");
  PinGate eight(ledger_.get(), kIterations, 8);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(ReasonOf(eight.Admit(more, "000000", kNow).status()), "wrong_pin");
  }
  // Seven wrong PINs lock a share under the default limit, not under eight.
  EXPECT_TRUE(eight.Admit(more, "493817", kNow).ok());
}

}  // namespace
}  // namespace sct::ca
