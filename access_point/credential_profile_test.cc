#include "access_point/credential_profile.h"

#include "access_point/fake_authority.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::access_point {
namespace {

using ::testing::ElementsAre;

TEST(CredentialProfileTest, RoundTripsThroughACertificate) {
  absl::Time now = absl::FromUnixSeconds(1735689600);
  auto ca = FakeAuthority::Create("ca", now);
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto cred = ca->Issue({"cred-1", "car-1", "share-9", {"unlock", "drive"},
                         now, now + absl::Hours(1)});
  ASSERT_TRUE(cred.ok()) << cred.status();
  auto info = ReadCredentialCertificate(cred->certificate);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->credential_id, "cred-1");
  EXPECT_EQ(info->access_point_id, "car-1");
  EXPECT_EQ(info->share_id, "share-9");
  EXPECT_THAT(info->entitlements, ElementsAre("unlock", "drive"));
  EXPECT_EQ(info->not_before, now);
  EXPECT_EQ(info->not_after, now + absl::Hours(1));
  EXPECT_TRUE(cred->certificate.ExtensionIsCritical(crypto::kOidEntitlements));
}

TEST(CredentialProfileTest, RejectsBadEntitlementLists) {
  EXPECT_FALSE(EncodeEntitlements({}).ok());
  EXPECT_FALSE(EncodeEntitlements({"a,b"}).ok());
  EXPECT_FALSE(EncodeEntitlements({""}).ok());
  EXPECT_FALSE(DecodeEntitlements("").ok());
  EXPECT_FALSE(DecodeEntitlements("unlock,,drive").ok());
  EXPECT_THAT(*DecodeEntitlements("enter"), ElementsAre("enter"));
}

TEST(CredentialProfileTest, MissingPolicyIsInvalid) {
  absl::Time now = absl::FromUnixSeconds(1735689600);
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  crypto::CertificateSpec spec;
  spec.subject_cn = "cred-x";
  spec.not_before = now;
  spec.not_after = now + absl::Hours(1);
  spec.extensions.push_back({std::string(crypto::kOidEntitlements), true, "unlock"});
  auto cert = crypto::SelfSignCertificate(spec, *key);
  ASSERT_TRUE(cert.ok()) << cert.status();
  auto info = ReadCredentialCertificate(*cert);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::access_point
