// The vendorless device's own vendor duties: its attestation root certifies
// only keys its enrolled identity and the key itself sign for, and share
// calls reach the authority unchanged, with the authority's reasons kept.
#include "device/vendorless/direct_authority.h"

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "device/secure_element.h"
#include "device/transcripts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::device {
namespace {

namespace cav1 = ::credential_authority::v1;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

class DirectAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::EcdsaP256PrivateKey key = *crypto::EcdsaP256PrivateKey::Generate();
    crypto::CertificateSpec spec;
    spec.subject_cn = "bob-key attestation root";
    spec.not_before = clock_.Now() - absl::Hours(1);
    spec.not_after = clock_.Now() + absl::Hours(24 * 3650);
    spec.is_ca = true;
    spec.path_len = 0;
    root_ = *crypto::SelfSignCertificate(spec, key);
    auto logic = DirectAuthority::Create("bob-key", std::move(key), *root_, &clock_, &authority_,
                                         absl::Seconds(5));
    ASSERT_TRUE(logic.ok()) << logic.status();
    logic_ = *std::move(logic);
    se_ = *SecureElement::Open("");
    identity_ = *se_->GenerateKey();
  }

  ::oem::v1::DeviceAuth Enrol() {
    const std::string nonce = logic_->GetChallenge()->nonce();
    ::oem::v1::EnrolDeviceRequest req;
    req.set_identity_public_key(*se_->PublicKeySpki(identity_));
    req.set_nonce(nonce);
    req.set_proof_of_possession(
        *se_->Sign(identity_, EnrolTranscript("bob-key", nonce, req.identity_public_key())));
    auto enrolled = logic_->EnrolDevice(req);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status();
    ::oem::v1::DeviceAuth auth;
    auth.set_device_id(enrolled->device_id());
    auth.set_device_token(enrolled->device_token());
    return auth;
  }

  ::oem::v1::AttestKeyRequest AttestRequest(const ::oem::v1::DeviceAuth& auth,
                                            const std::string& key_id) {
    ::oem::v1::AttestKeyRequest req;
    *req.mutable_auth() = auth;
    req.set_public_key(*se_->PublicKeySpki(key_id));
    req.set_nonce(logic_->GetChallenge()->nonce());
    const std::string message = AttestKeyTranscript(req.nonce(), req.public_key());
    req.set_identity_signature(*se_->Sign(identity_, message));
    req.set_possession_signature(*se_->Sign(key_id, message));
    return req;
  }

  FakeClock clock_;
  ::testing::StrictMock<cav1::MockCredentialAuthorityStub> authority_;
  std::optional<crypto::Certificate> root_;
  std::unique_ptr<DirectAuthority> logic_;
  std::unique_ptr<SecureElement> se_;
  std::string identity_;
};

TEST_F(DirectAuthorityTest, AttestsAKeyUnderItsOwnRootNamingNoDevice) {
  const ::oem::v1::DeviceAuth auth = Enrol();
  EXPECT_FALSE(auth.device_id().empty());
  EXPECT_NE(auth.device_id(), "bob-key");  // an id of its own, not the actor's name
  const std::string key_id = *se_->GenerateKey();
  auto attested = logic_->AttestKey(AttestRequest(auth, key_id));
  ASSERT_TRUE(attested.ok()) << attested.status();
  ASSERT_EQ(attested->attestation().certificates_der_size(), 1);
  auto leaf = crypto::Certificate::FromDer(attested->attestation().certificates_der(0));
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(crypto::VerifyCertificateChain(*leaf, {}, {*root_}, clock_.Now()).ok());
  EXPECT_EQ(*leaf->PublicKeySpkiDer(), *se_->PublicKeySpki(key_id));
  EXPECT_EQ(*leaf->ExtensionValue(crypto::kOidKeyAttestation),
            crypto::KeyAttestationStatement("bob-key"));
  EXPECT_FALSE(leaf->ExtensionValue(crypto::kOidDeviceIdentity).ok());
  EXPECT_EQ(logic_->Info().attestation_root_der(), *root_->ToDer());
}

TEST_F(DirectAuthorityTest, RefusesForeignKeysReusedNoncesAndWrongTokens) {
  const ::oem::v1::DeviceAuth auth = Enrol();
  const std::string key_id = *se_->GenerateKey();
  ::oem::v1::AttestKeyRequest req = AttestRequest(auth, key_id);
  ::oem::v1::AttestKeyRequest forged = req;
  forged.set_possession_signature(*se_->Sign(identity_, "something else"));
  EXPECT_EQ(ReasonOf(logic_->AttestKey(forged).status()), "bad_proof_of_possession");
  // The failed attempt spent the nonce.
  EXPECT_EQ(ReasonOf(logic_->AttestKey(req).status()), "unknown_challenge");
  ::oem::v1::AttestKeyRequest wrong_token = AttestRequest(auth, key_id);
  wrong_token.mutable_auth()->set_device_token("not the token");
  EXPECT_EQ(ReasonOf(logic_->AttestKey(wrong_token).status()), "bad_device_token");
  ::oem::v1::AttestKeyRequest other_device = AttestRequest(auth, key_id);
  other_device.mutable_auth()->set_device_id("alice-phone");
  EXPECT_EQ(ReasonOf(logic_->AttestKey(other_device).status()), "unknown_device");
}

TEST_F(DirectAuthorityTest, EnrolmentNeedsTheIdentityKeysProof) {
  ::oem::v1::EnrolDeviceRequest req;
  req.set_identity_public_key(*se_->PublicKeySpki(identity_));
  req.set_nonce(logic_->GetChallenge()->nonce());
  req.set_proof_of_possession(*se_->Sign(identity_, "not the transcript"));
  absl::Status refused = logic_->EnrolDevice(req).status();
  EXPECT_EQ(ReasonOf(refused), "bad_proof_of_possession");
  EXPECT_THAT(refused.message(), HasSubstr("proof_of_possession"));
}

TEST_F(DirectAuthorityTest, ShareCallsGoToTheAuthorityUnchanged) {
  const ::oem::v1::DeviceAuth auth = Enrol();
  ::oem::v1::RequestShareRequest req;
  *req.mutable_auth() = auth;
  req.mutable_share()->set_request_id("r-1");
  EXPECT_CALL(authority_, InitiateShare(_, _, _))
      .WillOnce(
          [](auto*, const cav1::InitiateShareRequest& inner, cav1::InitiateShareResponse* out) {
            EXPECT_EQ(inner.request_id(), "r-1");
            out->set_share_id("share-9");
            return grpc::Status::OK;
          });
  auto share = logic_->RequestShare(req);
  ASSERT_TRUE(share.ok()) << share.status();
  EXPECT_EQ(share->share_id(), "share-9");

  ::oem::v1::ProvisionCredentialRequest redeem;
  *redeem.mutable_auth() = auth;
  EXPECT_CALL(authority_, RedeemShare(_, _, _))
      .WillOnce(Return(
          ToGrpcStatus(MakeError(absl::StatusCode::kFailedPrecondition, "share_redeemed", "used"))))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed")));
  EXPECT_EQ(ReasonOf(logic_->ProvisionCredential(redeem).status()), "share_redeemed");
  EXPECT_EQ(ReasonOf(logic_->ProvisionCredential(redeem).status()), "authority_unavailable");
}

TEST_F(DirectAuthorityTest, NothingReachesTheAuthorityWithoutTheDevicesToken) {
  ::oem::v1::ListSharesRequest req;
  req.mutable_auth()->set_device_id(Enrol().device_id());
  req.mutable_auth()->set_device_token("guess");
  // StrictMock: a forwarded call would fail the test.
  EXPECT_EQ(ReasonOf(logic_->ListShares(req).status()), "bad_device_token");
  EXPECT_EQ(ReasonOf(logic_->NoPush()), "push_unsupported");
}

}  // namespace
}  // namespace sct::device
