// The authority accepts as proof that a key lives in a secure element only
// an OEM key attestation: a certificate under the OEM's root that carries the
// key attestation statement and is not a device identity certificate.
#include "credential_authority/attestation.h"

#include <string>

#include "common/errors.h"
#include "credential_authority/ca_test_util.h"
#include "crypto/x509.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

using testing::Env;

class AttestationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = Env::ForCurrentTest();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto key = crypto::EcdsaP256PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<crypto::EcdsaP256PrivateKey>(*std::move(key));
  }

  // A chain of one leaf over key_ issued by oem-a with `extensions`.
  common::v1::AttestationChain Chain(std::vector<crypto::X509ExtensionSpec> extensions) {
    const testing::TestOem& oem = env_->oems[0];
    crypto::CertificateSpec spec;
    spec.subject_cn = "leaf";
    spec.not_before = env_->clock.Now() - absl::Hours(1);
    spec.not_after = env_->clock.Now() + absl::Hours(24);
    spec.extensions = std::move(extensions);
    auto leaf = crypto::IssueCertificate(spec, key_->PublicKey(), oem.root, oem.key);
    EXPECT_TRUE(leaf.ok()) << leaf.status();
    common::v1::AttestationChain chain;
    chain.add_certificates_der(*leaf->ToDer());
    return chain;
  }

  absl::Status Verify(const common::v1::AttestationChain& chain) {
    AttestationVerifier verifier(env_->ledger.get(), &env_->clock);
    return verifier.Verify("oem-a", key_->PublicKey(), chain, "holder_attestation");
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<crypto::EcdsaP256PrivateKey> key_;
};

const crypto::X509ExtensionSpec kKeyAttestation{std::string(crypto::kOidKeyAttestation), false,
                                                "sct-key-attestation-v1"};
const crypto::X509ExtensionSpec kDeviceIdentity{std::string(crypto::kOidDeviceIdentity), false,
                                                "alice-phone"};

TEST_F(AttestationTest, AcceptsAKeyAttestation) {
  EXPECT_TRUE(Verify(Chain({kKeyAttestation})).ok());
}

TEST_F(AttestationTest, RefusesADeviceIdentityCertificate) {
  absl::Status s = Verify(Chain({kKeyAttestation, kDeviceIdentity}));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ReasonOf(s), "bad_attestation");
  EXPECT_NE(s.message().find("device identity"), absl::string_view::npos) << s;
}

TEST_F(AttestationTest, RefusesALeafWithoutAnAttestationStatement) {
  absl::Status s = Verify(Chain({}));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ReasonOf(s), "bad_attestation");
  EXPECT_NE(s.message().find("holder_attestation"), absl::string_view::npos) << s;
}

TEST_F(AttestationTest, AnAuthorityTrustingOtherVendorsRefusesAValidChain) {
  AttestationVerifier verifier(env_->ledger.get(), &env_->clock, {"oem-b"});
  absl::Status s =
      verifier.Verify("oem-a", key_->PublicKey(), Chain({kKeyAttestation}), "receiver_attestation");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ReasonOf(s), "untrusted_attestation_root");
  EXPECT_NE(s.message().find("receiver_attestation"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("oem-a"), absl::string_view::npos) << s;
}

TEST_F(AttestationTest, AnAuthorityTrustingTheVendorAcceptsItsChain) {
  AttestationVerifier verifier(env_->ledger.get(), &env_->clock, {"oem-a", "oem-b"});
  EXPECT_TRUE(
      verifier.Verify("oem-a", key_->PublicKey(), Chain({kKeyAttestation}), "receiver_attestation")
          .ok());
}

}  // namespace
}  // namespace sct::ca
