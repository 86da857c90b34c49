// CaService and the PIN key: shares made before a restart, and shares whose
// ledger row holds a PBKDF2 verifier (written before verifiers were keyed).
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <utility>

#include "common/errors.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/ca_test_expect.h"
#include "credential_authority/ca_test_util.h"
#include "credential_authority/pin.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using testing::Env;
using testing::ExpectError;
using testing::TestDevice;

class CaServicePinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = Env::ForCurrentTest();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto owner = env_->Owner("car-1", common::v1::ASYMMETRIC, {"unlock", "lock", "drive"});
    ASSERT_TRUE(owner.ok()) << owner.status();
    owner_device_ = std::make_unique<TestDevice>(std::move(owner->first));
    owner_cred_ = owner->second;
  }

  // A share of the owner's credential that needs `pin`.
  cav1::InitiateShareResponse SharePin(const std::string& pin) {
    cav1::ShareIntent intent = env_->Intent(owner_cred_);
    intent.set_pin_required(true);
    auto req = testing::SignedShare(owner_device_->key, intent, pin);
    EXPECT_TRUE(req.ok()) << req.status();
    auto resp = env_->service->InitiateShare(env_->oem_a, *req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : cav1::InitiateShareResponse();
  }

  // A redemption by a new oem-b device typing `pin`.
  absl::Status Redeem(const cav1::InitiateShareResponse& share, const std::string& pin) {
    auto r = env_->Redeem(share.token(), env_->oems[1], pin);
    if (!r.ok()) return r.status();
    return env_->service->RedeemShare(env_->oem_b, r->second).status();
  }

  ShareRow Row(const cav1::InitiateShareResponse& share) {
    auto row = env_->ledger->GetShare(share.share_id(), env_->clock.Now());
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : ShareRow();
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<TestDevice> owner_device_;
  common::v1::Credential owner_cred_;
};

// The PIN key lives in its own file and is read again at a restart: a share
// made before the restart accepts its PIN after it, and wrong PINs still
// count.
TEST_F(CaServicePinTest, ShareMadeBeforeARestartAcceptsItsPinAfter) {
  const cav1::InitiateShareResponse share = SharePin("493817");
  ExpectError(Redeem(share, "000000"), absl::StatusCode::kPermissionDenied, "wrong_pin");
  const std::string key_before(env_->pin_key->bytes());
  ASSERT_TRUE(env_->Restart().ok());
  EXPECT_EQ(env_->pin_key->bytes(), key_before);
  ExpectError(Redeem(share, "000001"), absl::StatusCode::kPermissionDenied, "wrong_pin");
  ASSERT_TRUE(Redeem(share, "493817").ok());
  const ShareRow row = Row(share);
  EXPECT_EQ(row.record.failed_pin_attempts(), 2u);
  EXPECT_EQ(row.record.state(), common::v1::REDEEMED);
}

// An authority restarted with another PIN key file cannot check the PINs of
// the shares made before: it counts the ones still pending (ca_server warns
// with that count at start-up) and refuses their redemption as
// pin_key_mismatch, not as a wrong PIN.
TEST_F(CaServicePinTest, ARestartWithAnotherPinKeyCountsThePendingSharesItCannotCheck) {
  const cav1::InitiateShareResponse pending = SharePin("493817");
  const cav1::InitiateShareResponse redeemed = SharePin("271828");
  ASSERT_TRUE(Redeem(redeemed, "271828").ok());
  auto no_pin = testing::SignedShare(owner_device_->key, env_->Intent(owner_cred_), "");
  ASSERT_TRUE(no_pin.ok()) << no_pin.status();
  ASSERT_TRUE(env_->service->InitiateShare(env_->oem_a, *no_pin).ok());
  auto same_key = env_->service->PendingSharesUnderAnotherPinKey();
  ASSERT_TRUE(same_key.ok()) << same_key.status();
  EXPECT_EQ(*same_key, 0u);

  ASSERT_TRUE(env_->Restart().ok());  // the same key file: nothing to report
  EXPECT_EQ(*env_->service->PendingSharesUnderAnotherPinKey(), 0u);

  ASSERT_EQ(std::remove(env_->pin_key_path.c_str()), 0);
  ASSERT_TRUE(env_->Restart().ok());  // a new PIN key is created
  auto other_key = env_->service->PendingSharesUnderAnotherPinKey();
  ASSERT_TRUE(other_key.ok()) << other_key.status();
  EXPECT_EQ(*other_key, 1u);  // `pending` only
  ExpectError(Redeem(pending, "493817"), absl::StatusCode::kFailedPrecondition,
              "pin_key_mismatch");
  EXPECT_EQ(Row(pending).record.failed_pin_attempts(), 0u);

  env_->clock.Advance(absl::Hours(24 * 400));  // the share's token has expired
  EXPECT_EQ(*env_->service->PendingSharesUnderAnotherPinKey(), 0u);
}

// Rewrites a share's PIN columns in the ledger file as an authority that
// used PBKDF2 verifiers wrote them (the service is stopped meanwhile).
void WritePbkdf2Verifier(const std::string& db_path, const std::string& share_id,
                         const PinHash& verifier) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "UPDATE shares SET pin_salt = ?, pin_hash = ?, pin_iterations = ? "
                               "WHERE share_id = ?",
                               -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_bind_blob(st, 1, verifier.salt.data(), static_cast<int>(verifier.salt.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_blob(st, 2, verifier.hash.data(), static_cast<int>(verifier.hash.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, verifier.iterations);
  sqlite3_bind_text(st, 4, share_id.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// An upgraded authority still verifies the PINs of shares recorded with a
// PBKDF2 verifier, and counts their wrong PINs up to the lock.
TEST_F(CaServicePinTest, SharesWithAPbkdf2VerifierStillRedeemAfterTheUpgrade) {
  const cav1::InitiateShareResponse kept = SharePin("493817");
  const cav1::InitiateShareResponse locked = SharePin("271828");
  env_->service.reset();
  env_->ledger.reset();
  auto kept_verifier = HashPinPbkdf2("493817", 1000);
  auto locked_verifier = HashPinPbkdf2("271828", 1000);
  ASSERT_TRUE(kept_verifier.ok() && locked_verifier.ok());
  WritePbkdf2Verifier(env_->db_path, kept.share_id(), *kept_verifier);
  WritePbkdf2Verifier(env_->db_path, locked.share_id(), *locked_verifier);
  ASSERT_TRUE(env_->Restart().ok());
  ASSERT_EQ(Row(kept).pin_iterations, 1000u);

  ExpectError(Redeem(kept, "493818"), absl::StatusCode::kPermissionDenied, "wrong_pin");
  ASSERT_TRUE(Redeem(kept, "493817").ok());
  EXPECT_EQ(Row(kept).record.state(), common::v1::REDEEMED);
  for (uint32_t i = 0; i < kMaxPinAttempts; ++i) {
    ExpectError(Redeem(locked, "000000"), absl::StatusCode::kPermissionDenied, "wrong_pin");
  }
  ExpectError(Redeem(locked, "271828"), absl::StatusCode::kFailedPrecondition, "share_locked");
}

}  // namespace
}  // namespace sct::ca
