#include "oem_server/provisioning_format.h"

#include <map>
#include <string>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::oem {
namespace {

common::v1::SignedShareToken AuthorityToken() {
  common::v1::SignedShareToken token;
  token.set_body("serialized body");
  token.set_signature("authority signature");
  token.set_key_id("key-1");
  return token;
}

class ProvisioningFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = AttestationCa::Create("oem-a", absl::Now());
    auto b = AttestationCa::Create("oem-b", absl::Now());
    auto c = AttestationCa::Create("oem-c", absl::Now());
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    a_ = std::make_unique<AttestationCa>(*std::move(a));
    b_ = std::make_unique<AttestationCa>(*std::move(b));
    c_ = std::make_unique<AttestationCa>(*std::move(c));
  }

  std::string PemOf(const AttestationCa& ca) { return *ca.root().ToPem(); }

  std::unique_ptr<AttestationCa> a_, b_, c_;
};

TEST_F(ProvisioningFormatTest, PartnerRedeemsTheIssuersFormat) {
  auto issuer = ProvisioningFormat::Create(a_.get(), {});
  auto redeemer = ProvisioningFormat::Create(b_.get(), {{"oem-a", PemOf(*a_)}});
  ASSERT_TRUE(issuer.ok() && redeemer.ok());
  common::v1::SignedShareToken token = AuthorityToken();
  ASSERT_TRUE(issuer->Wrap(&token).ok());
  EXPECT_EQ(token.vendor_format().issuer_oem(), "oem-a");
  auto inner = redeemer->Unwrap(token, "redeem.token");
  ASSERT_TRUE(inner.ok()) << inner.status();
  EXPECT_FALSE(inner->has_vendor_format());
  EXPECT_EQ(inner->SerializeAsString(), AuthorityToken().SerializeAsString());
}

TEST_F(ProvisioningFormatTest, SameVendorNeedsNoAgreement) {
  auto format = ProvisioningFormat::Create(a_.get(), {});
  ASSERT_TRUE(format.ok());
  common::v1::SignedShareToken token = AuthorityToken();
  ASSERT_TRUE(format->Wrap(&token).ok());
  EXPECT_TRUE(format->Unwrap(token, "redeem.token").ok());
}

TEST_F(ProvisioningFormatTest, WithoutAgreementTheReceiverRefuses) {
  auto issuer = ProvisioningFormat::Create(a_.get(), {});
  auto redeemer = ProvisioningFormat::Create(b_.get(), {{"oem-c", PemOf(*c_)}});
  ASSERT_TRUE(issuer.ok() && redeemer.ok());
  common::v1::SignedShareToken token = AuthorityToken();
  ASSERT_TRUE(issuer->Wrap(&token).ok());
  absl::Status s = redeemer->Unwrap(token, "redeem.token").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), "no_provisioning_agreement");
  EXPECT_NE(s.message().find("oem-b"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("oem-a"), absl::string_view::npos) << s;
}

TEST_F(ProvisioningFormatTest, AFormatClaimingAPartnerButSignedByAnotherIsRefused) {
  auto forger = ProvisioningFormat::Create(c_.get(), {});
  auto redeemer = ProvisioningFormat::Create(b_.get(), {{"oem-a", PemOf(*a_)}});
  ASSERT_TRUE(forger.ok() && redeemer.ok());
  common::v1::SignedShareToken token = AuthorityToken();
  ASSERT_TRUE(forger->Wrap(&token).ok());
  token.mutable_vendor_format()->set_issuer_oem("oem-a");
  EXPECT_EQ(ReasonOf(redeemer->Unwrap(token, "redeem.token").status()), "bad_provisioning_format");
}

TEST_F(ProvisioningFormatTest, TheSignatureCoversTheAuthorityToken) {
  auto issuer = ProvisioningFormat::Create(a_.get(), {});
  auto redeemer = ProvisioningFormat::Create(b_.get(), {{"oem-a", PemOf(*a_)}});
  ASSERT_TRUE(issuer.ok() && redeemer.ok());
  common::v1::SignedShareToken token = AuthorityToken();
  ASSERT_TRUE(issuer->Wrap(&token).ok());
  token.set_body("another body");
  EXPECT_EQ(ReasonOf(redeemer->Unwrap(token, "redeem.token").status()), "bad_provisioning_format");
}

TEST_F(ProvisioningFormatTest, AStandardTokenIsRefusedNamingTheField) {
  auto redeemer = ProvisioningFormat::Create(b_.get(), {});
  ASSERT_TRUE(redeemer.ok());
  absl::Status s = redeemer->Unwrap(AuthorityToken(), "redeem.token").status();
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("redeem.token.vendor_format"), absl::string_view::npos) << s;
}

TEST_F(ProvisioningFormatTest, APartnerRootThatIsNotACertificateIsRefused) {
  absl::Status s = ProvisioningFormat::Create(b_.get(), {{"oem-a", "not pem"}}).status();
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("--provisioning_agreements"), absl::string_view::npos) << s;
}

TEST_F(ProvisioningFormatTest, PartnersAreListed) {
  auto f = ProvisioningFormat::Create(b_.get(), {{"oem-c", PemOf(*c_)}, {"oem-a", PemOf(*a_)}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->partners(), (std::vector<std::string>{"oem-a", "oem-c"}));
}

}  // namespace
}  // namespace sct::oem
