#include "access_point/credential_profile.h"

#include "access_point/fake_authority.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::access_point {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

TEST(CredentialProfileTest, ReadsTheAuthorityClaims) {
  auto ca = FakeAuthority::Create("ca", kNow);
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto cred = ca->Issue({"cred-1",
                         "car-1",
                         "share-9",
                         {"unlock", "drive"},
                         kNow,
                         kNow + absl::Hours(1)});
  ASSERT_TRUE(cred.ok()) << cred.status();
  auto info = ReadCredentialCertificate(cred->certificate);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->credential_id, "cred-1");
  EXPECT_EQ(info->access_point_id, "car-1");
  EXPECT_EQ(info->share_id, "share-9");
  EXPECT_THAT(info->entitlements, ElementsAre("unlock", "drive"));
  EXPECT_EQ(info->not_before, kNow);
  EXPECT_EQ(info->not_after, kNow + absl::Hours(1));
}

absl::StatusOr<crypto::Certificate> SelfSigned(const std::string& cn,
                                               const std::string& ext) {
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  if (!key.ok()) return key.status();
  crypto::CertificateSpec spec;
  spec.subject_cn = cn;
  spec.not_before = kNow;
  spec.not_after = kNow + absl::Hours(1);
  if (!ext.empty()) {
    spec.extensions.push_back(
        {std::string(crypto::kOidEntitlements), true, ext});
  }
  return crypto::SelfSignCertificate(spec, *key);
}

TEST(CredentialProfileTest, RejectsMissingGarbledOrInconsistentClaims) {
  ::credential_authority::v1::CredentialCertificateClaims claims;
  claims.set_version(1);
  claims.set_credential_id("cred-1");
  claims.set_access_point_id("car-1");
  claims.add_entitlements("unlock");
  auto good = SelfSigned("cred-1", claims.SerializeAsString());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE(ReadCredentialCertificate(*good).ok());

  auto none = SelfSigned("cred-1", "");
  EXPECT_EQ(ReadCredentialCertificate(*none).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto garbage = SelfSigned("cred-1", "\xff\xff\xff");
  EXPECT_EQ(ReadCredentialCertificate(*garbage).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto other_cn = SelfSigned("cred-2", claims.SerializeAsString());
  EXPECT_EQ(ReadCredentialCertificate(*other_cn).status().code(),
            absl::StatusCode::kInvalidArgument);
  claims.clear_access_point_id();
  auto no_ap = SelfSigned("cred-1", claims.SerializeAsString());
  EXPECT_EQ(ReadCredentialCertificate(*no_ap).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::access_point
