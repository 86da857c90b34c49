// Every timestamp and duration that enters the authority from a request is
// range-checked (0001-01-01 to 9999-12-31, Duration +-10000 years) before it
// is compared, stored or signed: out of range is INVALID_ARGUMENT
// "invalid_field" naming the field, at each entry point that reads one.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/ca_test_util.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using testing::Env;

// 2^58 s past now: far beyond year 9999, and beyond int64 microseconds.
constexpr int64_t kFar = int64_t{1} << 58;

void ExpectInvalidField(const absl::Status& s, const std::string& field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(ReasonOf(s), "invalid_field") << s;
  EXPECT_TRUE(absl::StrContains(s.message(), field)) << "want " << field << " in " << s;
}

class TimestampRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = Env::ForCurrentTest();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto owner = env_->Owner("room-1", common::v1::SYMMETRIC, {"enter"});
    ASSERT_TRUE(owner.ok()) << owner.status();
    owner_key_ = std::make_unique<crypto::EcdsaP256PrivateKey>(owner->first.key);
    owner_ = owner->second;
  }

  int64_t Now() const { return absl::ToUnixSeconds(env_->clock.Now()); }

  cav1::BootstrapOwnerRequest Bootstrap(const common::v1::ValidityWindow& validity) {
    auto dev = testing::MakeDevice(env_->oems[0], env_->clock.Now());
    EXPECT_TRUE(dev.ok());
    cav1::BootstrapOwnerRequest req;
    req.set_access_point_id("room-1");
    req.set_oem_id("oem-a");
    req.set_holder_public_key(dev->spki);
    *req.mutable_holder_attestation() = dev->attestation;
    req.set_kind(common::v1::SYMMETRIC);
    req.add_entitlements("enter");
    *req.mutable_validity() = validity;
    return req;
  }

  absl::Status Share(const cav1::ShareIntent& intent) {
    auto req = testing::SignedShare(*owner_key_, intent, "");
    if (!req.ok()) return req.status();
    return env_->service->InitiateShare(env_->oem_a, *req).status();
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<crypto::EcdsaP256PrivateKey> owner_key_;
  common::v1::Credential owner_;
};

TEST_F(TimestampRangeTest, BootstrapOwnerRefusesValidityOutsideTheRange) {
  common::v1::ValidityWindow w;
  w.mutable_not_before()->set_seconds(Now());
  w.mutable_not_after()->set_seconds(Now() + kFar + 60);
  ExpectInvalidField(env_->service->BootstrapOwner(env_->admin, Bootstrap(w)).status(),
                     "validity.not_after");
  w.mutable_not_after()->set_seconds(Now() + 3600);
  w.mutable_not_before()->set_seconds(-kFar);
  ExpectInvalidField(env_->service->BootstrapOwner(env_->admin, Bootstrap(w)).status(),
                     "validity.not_before");
  w.mutable_not_before()->set_seconds(Now());
  w.mutable_not_before()->set_nanos(-1);
  ExpectInvalidField(env_->service->BootstrapOwner(env_->admin, Bootstrap(w)).status(),
                     "validity.not_before");
}

TEST_F(TimestampRangeTest, BootstrapOwnerAcceptsTheLastSecondOf9999) {
  common::v1::ValidityWindow w;
  w.mutable_not_before()->set_seconds(Now());
  *w.mutable_not_after() =
      ToProtoTimestamp(absl::FromUnixSeconds(absl::ToUnixSeconds(MaxProtoTime())));
  auto resp = env_->service->BootstrapOwner(env_->admin, Bootstrap(w));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->credential().validity().not_after().seconds(), w.not_after().seconds());
}

// The finding: a share ending 2^58 s + 60 s from now once wrapped to "now +
// 60 s" in microseconds and passed the check against the sharer's validity.
TEST_F(TimestampRangeTest, InitiateShareRefusesIntentValidityOutsideTheRange) {
  cav1::ShareIntent intent = env_->Intent(owner_);
  intent.mutable_validity()->mutable_not_after()->set_seconds(Now() + kFar + 60);
  ExpectInvalidField(Share(intent), "intent.validity.not_after");
  intent = env_->Intent(owner_);
  intent.mutable_validity()->mutable_not_before()->set_seconds(-kFar);
  ExpectInvalidField(Share(intent), "intent.validity.not_before");
}

TEST_F(TimestampRangeTest, InitiateShareRefusesSignedAtOutsideTheRange) {
  cav1::ShareIntent intent = env_->Intent(owner_);
  intent.mutable_signed_at()->set_seconds(Now() + kFar);
  ExpectInvalidField(Share(intent), "intent.signed_at");
}

TEST_F(TimestampRangeTest, InitiateShareRefusesTokenTtlOutsideTheRange) {
  cav1::ShareIntent intent = env_->Intent(owner_);
  intent.mutable_token_ttl()->set_seconds(kFar);
  ExpectInvalidField(Share(intent), "intent.token_ttl");
}

TEST_F(TimestampRangeTest, HolderProofRefusesSignedAtOutsideTheRange) {
  auto proof = testing::MakeHolderProof(*owner_key_, owner_.credential_id(), "RevokeCredential",
                                        owner_.credential_id(), env_->clock.Now());
  ASSERT_TRUE(proof.ok());
  cav1::RevokeCredentialRequest req;
  req.set_credential_id(owner_.credential_id());
  *req.mutable_holder() = *proof;
  req.mutable_holder()->mutable_signed_at()->set_seconds(-kFar);
  ExpectInvalidField(env_->service->RevokeCredential(env_->oem_a, req).status(),
                     "holder.signed_at");
}

TEST_F(TimestampRangeTest, WatchRevocationsRefusesHeartbeatIntervalOutsideTheRange) {
  cav1::WatchRevocationsRequest req;
  req.set_access_point_id("car-1");
  req.mutable_heartbeat_interval()->set_seconds(kFar);
  int sent = 0;
  absl::Status s = env_->service->WatchRevocations(
      env_->car, req, [&](const cav1::RevocationUpdate&) { return ++sent < 1; },
      [] { return false; });
  ExpectInvalidField(s, "heartbeat_interval");
  EXPECT_EQ(sent, 0);
}

}  // namespace
}  // namespace sct::ca
