// OemService in its malicious modes (OemServiceOptions::malice): a receiving
// vendor that attests a key of its own instead of the device's, or redeems
// shares for a key of its own. What reaches the authority is checked here;
// who detects it end to end is in the suite scenarios
// attack-malicious-vendor-attests-own-key and -redeems-own-key.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::oem {
namespace {

namespace ca = ::credential_authority::v1;
namespace ov1 = ::oem::v1;
using crypto::EcdsaP256PrivateKey;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::StrictMock;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/malice-", name, ".db");
}

// The key an attestation chain's leaf certifies (0x04 || X || Y).
std::string CertifiedPoint(const common::v1::AttestationChain& chain) {
  auto leaf = crypto::Certificate::FromDer(chain.certificates_der(0));
  EXPECT_TRUE(leaf.ok()) << leaf.status();
  if (!leaf.ok()) return "";
  return leaf->PublicKeyPoint().value_or("");
}

// A vendor in one malicious mode, with one enrolled device that attested
// `key` and a redemption by it.
struct Vendor {
  Vendor(absl::string_view oem_id, Malice malice, const Clock& clock)
      : ca(AttestationCa::Create(oem_id, clock.Now()).value()), authority(&stub) {
    registry = SqliteDeviceRegistry::Open(TempPath(oem_id)).value();
    OemServiceOptions options;
    options.oem_id = std::string(oem_id);
    options.relay_cn = "relay";
    options.malice = malice;
    service = std::make_unique<OemService>(options, clock, registry.get(), &ca, &authority);
    EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
    auto enrolled = service->EnrolDevice(testing::MakeEnrolRequest(
        ca.oem_id(), service->GetChallenge({}).value().nonce(), identity));
    EXPECT_TRUE(enrolled.ok()) << enrolled.status();
    redemption.mutable_auth()->set_device_id(enrolled->device_id());
    redemption.mutable_auth()->set_device_token(enrolled->device_token());
    auto attested = service->AttestKey(testing::MakeAttestKeyRequest(
        redemption.auth(), service->GetChallenge({}).value().nonce(), identity, key));
    EXPECT_TRUE(attested.ok()) << attested.status();
    attestation = attested->attestation();
    ca::RedeemShareRequest* r = redemption.mutable_redeem();
    r->set_request_id("redeem-1");
    r->mutable_token()->set_body("token");
    r->set_receiver_public_key(key.PublicKey().SpkiDer());
    *r->mutable_receiver_attestation() = attestation;
    r->set_pin("493817");
    r->set_sender_endorsement("endorsement of the device's key");
  }
  AttestationCa ca;
  std::unique_ptr<SqliteDeviceRegistry> registry;
  StrictMock<ca::MockCredentialAuthorityStub> stub;
  GrpcAuthorityClient authority;
  std::unique_ptr<OemService> service;
  EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
  common::v1::AttestationChain attestation;  // what the device got for `key`
  ov1::ProvisionCredentialRequest redemption;
};

TEST(MaliceTest, ParsesTheFlagValues) {
  EXPECT_EQ(ParseMalice("", "--malicious").value(), Malice::kNone);
  EXPECT_EQ(ParseMalice("none", "--malicious").value(), Malice::kNone);
  EXPECT_EQ(ParseMalice("attest_own_key", "--malicious").value(), Malice::kAttestOwnKey);
  EXPECT_EQ(ParseMalice("redeem_own_key", "--malicious").value(), Malice::kRedeemOwnKey);
  auto bad = ParseMalice("steal", "--malicious");
  EXPECT_EQ(ReasonOf(bad.status()), "invalid_field");
  EXPECT_THAT(bad.status().message(), HasSubstr("--malicious"));
}

// attest_own_key: the device proved possession of its key and gets a valid
// chain of the vendor's root for another key; the vendor then forwards the
// redemption without its own chain-versus-key check (the authority's check
// refuses it end to end).
TEST(MaliciousVendorTest, AttestOwnKeyCertifiesAKeyOfTheVendorAndForwardsTheMismatch) {
  FakeClock clock;
  Vendor v("oem-a", Malice::kAttestOwnKey, clock);
  ASSERT_EQ(v.attestation.certificates_der_size(), 1);
  const std::string certified = CertifiedPoint(v.attestation);
  EXPECT_FALSE(certified.empty());
  EXPECT_NE(certified, v.key.PublicKey().UncompressedPoint());
  EXPECT_CALL(v.stub, RedeemShare(_, _, _))
      .WillOnce([&](grpc::ClientContext*, const ca::RedeemShareRequest& got,
                    ca::RedeemShareResponse*) {
        EXPECT_EQ(got.SerializeAsString(), v.redemption.redeem().SerializeAsString());
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "bad_attestation");
      });
  EXPECT_FALSE(v.service->ProvisionCredential(v.redemption).ok());
}

// An honest vendor refuses the same mismatch itself: the skipped check is
// the malicious mode, not a gap of the service.
TEST(MaliciousVendorTest, HonestVendorRefusesAChainForAnotherKey) {
  FakeClock clock;
  Vendor v("oem-a", Malice::kNone, clock);
  EXPECT_EQ(CertifiedPoint(v.attestation), v.key.PublicKey().UncompressedPoint());
  ov1::ProvisionCredentialRequest other = v.redemption;
  other.mutable_redeem()->set_receiver_public_key(
      EcdsaP256PrivateKey::Generate().value().PublicKey().SpkiDer());
  absl::Status s = v.service->ProvisionCredential(other).status();
  EXPECT_EQ(ReasonOf(s), "bad_attestation");
}

// redeem_own_key: the redemption reaches the authority with a key of the
// vendor's and a valid chain for it; the rest of the request is unchanged,
// and the authority's answer goes back unchanged.
TEST(MaliciousVendorTest, RedeemOwnKeySubstitutesTheReceiverKey) {
  FakeClock clock;
  Vendor v("oem-a", Malice::kRedeemOwnKey, clock);
  EXPECT_EQ(CertifiedPoint(v.attestation), v.key.PublicKey().UncompressedPoint());  // honest here
  ca::RedeemShareRequest forwarded;
  EXPECT_CALL(v.stub, RedeemShare(_, _, _))
      .WillOnce([&](grpc::ClientContext*, const ca::RedeemShareRequest& got,
                    ca::RedeemShareResponse* out) {
        forwarded = got;
        out->mutable_credential()->set_holder_public_key(got.receiver_public_key());
        return grpc::Status::OK;
      });
  auto r = v.service->ProvisionCredential(v.redemption);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(forwarded.receiver_public_key(), v.key.PublicKey().SpkiDer());
  auto own = crypto::EcdsaP256PublicKey::FromSpkiDer(forwarded.receiver_public_key());
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(CertifiedPoint(forwarded.receiver_attestation()), own->UncompressedPoint());
  const ca::RedeemShareRequest& sent = v.redemption.redeem();
  EXPECT_EQ(forwarded.token().SerializeAsString(), sent.token().SerializeAsString());
  EXPECT_EQ(forwarded.pin(), sent.pin());
  EXPECT_EQ(forwarded.request_id(), sent.request_id());
  EXPECT_EQ(forwarded.sender_endorsement(), sent.sender_endorsement());
  // The device gets a credential for another key, which its
  // DeviceAgent::ProvisionLocked check refuses (bad_oem_response).
  EXPECT_EQ(r->credential().holder_public_key(), forwarded.receiver_public_key());
}

}  // namespace
}  // namespace sct::oem
