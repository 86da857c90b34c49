#include "credential_authority/share_policy.h"

#include "common/errors.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

common::v1::ValidityWindow Window(absl::Duration from, absl::Duration to) {
  common::v1::ValidityWindow w;
  *w.mutable_not_before() = ToProtoTimestamp(kNow + from);
  *w.mutable_not_after() = ToProtoTimestamp(kNow + to);
  return w;
}

CredentialRow Sharer() {
  CredentialRow row;
  row.credential.set_credential_id("owner");
  row.credential.set_access_point_id("car-1");
  row.credential.set_kind(common::v1::ASYMMETRIC);
  row.credential.add_entitlements("unlock");
  row.credential.add_entitlements("lock");
  *row.credential.mutable_validity() = Window(-absl::Hours(1), absl::Hours(24));
  row.credential.set_resharing_allowed(true);
  return row;
}

cav1::ShareIntent Intent() {
  cav1::ShareIntent intent;
  intent.set_credential_id("owner");
  intent.add_entitlements("unlock");
  *intent.mutable_validity() = Window(absl::ZeroDuration(), absl::Hours(2));
  intent.set_pin_required(true);
  return intent;
}

std::string ReasonFor(const CredentialRow& sharer, const cav1::ShareIntent& intent) {
  return ReasonOf(ShareTermsFor(sharer, intent, kNow, ShareLimits()).status());
}

TEST(SharePolicyTest, TermsFollowTheIntentAndTheSharer) {
  auto terms = ShareTermsFor(Sharer(), Intent(), kNow, ShareLimits());
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ(terms->access_point_id, "car-1");
  EXPECT_EQ(terms->credential_kind, common::v1::ASYMMETRIC);
  ASSERT_EQ(terms->entitlements.size(), 1);
  EXPECT_EQ(terms->max_redemptions, 1u);  // 0 means 1
  EXPECT_EQ(terms->token_expires_at, kNow + absl::Hours(48));
  EXPECT_TRUE(terms->pin_required);
  EXPECT_FALSE(terms->resharing_allowed);
}

TEST(SharePolicyTest, TokenTtlWithinLimitsAtLedgerPrecision) {
  cav1::ShareIntent intent = Intent();
  *intent.mutable_token_ttl() = ToProtoDuration(absl::Hours(1) + absl::Nanoseconds(1500));
  auto terms = ShareTermsFor(Sharer(), intent, kNow, ShareLimits());
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ(terms->token_expires_at, kNow + absl::Hours(1) + absl::Microseconds(1));
  *intent.mutable_token_ttl() = ToProtoDuration(absl::Hours(24 * 31));
  EXPECT_EQ(ReasonFor(Sharer(), intent), "invalid_field");
  *intent.mutable_token_ttl() = ToProtoDuration(-absl::Seconds(1));
  EXPECT_EQ(ReasonFor(Sharer(), intent), "invalid_field");
  intent.mutable_token_ttl()->set_seconds(10);
  intent.mutable_token_ttl()->set_nanos(-1);  // malformed Duration
  EXPECT_EQ(ReasonFor(Sharer(), intent), "invalid_field");
  intent.clear_token_ttl();
  intent.set_max_redemptions(1001);
  EXPECT_EQ(ReasonFor(Sharer(), intent), "invalid_field");
}

TEST(SharePolicyTest, SharerCredentialMustBeLiveAndShareable) {
  CredentialRow revoked = Sharer();
  revoked.revoked_at = kNow;
  EXPECT_EQ(ReasonFor(revoked, Intent()), "credential_revoked");
  CredentialRow expired = Sharer();
  *expired.credential.mutable_validity() = Window(-absl::Hours(3), -absl::Hours(1));
  EXPECT_EQ(ReasonFor(expired, Intent()), "credential_expired");
  CredentialRow no_sharing = Sharer();
  no_sharing.credential.set_resharing_allowed(false);
  EXPECT_EQ(ReasonFor(no_sharing, Intent()), "resharing_forbidden");
}

TEST(SharePolicyTest, NoEscalationBeyondTheSharer) {
  cav1::ShareIntent more = Intent();
  more.add_entitlements("drive");
  EXPECT_EQ(ReasonFor(Sharer(), more), "entitlement_escalation");
  cav1::ShareIntent unknown = Intent();
  unknown.add_entitlements("fly");
  EXPECT_EQ(ReasonFor(Sharer(), unknown), "unknown_entitlement");
  cav1::ShareIntent longer = Intent();
  *longer.mutable_validity() = Window(absl::ZeroDuration(), absl::Hours(25));
  EXPECT_EQ(ReasonFor(Sharer(), longer), "validity_escalation");
  cav1::ShareIntent inverted = Intent();
  *inverted.mutable_validity() = Window(absl::Hours(2), absl::Hours(1));
  EXPECT_EQ(ReasonFor(Sharer(), inverted), "invalid_field");
}

TEST(SharePolicyTest, EntitlementVocabularyAndAccessPointSupport) {
  EXPECT_EQ(DefaultEntitlements(common::v1::HOTEL_LOCK), std::vector<std::string>{"enter"});
  EXPECT_TRUE(DefaultEntitlements(common::v1::ACCESS_POINT_KIND_UNSPECIFIED).empty());
  google::protobuf::RepeatedPtrField<std::string> none;
  EXPECT_EQ(ReasonOf(CheckEntitlements(none, "entitlements")), "invalid_field");
  cav1::AccessPointRegistration room;
  room.set_access_point_id("room-1");
  room.add_supported_entitlements("enter");
  google::protobuf::RepeatedPtrField<std::string> drive;
  drive.Add("drive");
  EXPECT_TRUE(CheckEntitlements(drive, "entitlements").ok());
  EXPECT_EQ(ReasonOf(CheckSupportedBy(room, drive)), "unknown_entitlement");
  common::v1::ValidityWindow open_ended;
  *open_ended.mutable_not_before() = ToProtoTimestamp(kNow);
  EXPECT_EQ(ReasonOf(CheckValidity(open_ended, "validity")), "invalid_field");
}

}  // namespace
}  // namespace sct::ca
