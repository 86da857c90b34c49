// OemService with a vendor provisioning format (token model PER_OEM_FORMAT):
// the sender's OEM wraps the authority's token, the receiver's OEM redeems
// only formats it has an agreement for and hands the authority the token
// without the wrapping.
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "crypto/ecdsa.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/oem_service.h"
#include "oem_server/provisioning_format.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::oem {
namespace {

namespace ca = ::credential_authority::v1;
namespace ov1 = ::oem::v1;
using crypto::EcdsaP256PrivateKey;
using ::testing::_;
using ::testing::StrictMock;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/format-", name, ".db");
}

// One OEM with a provisioning format whose partners are `partners` (their CAs).
struct Vendor {
  Vendor(absl::string_view oem_id, const Clock& clock,
         const std::vector<const Vendor*>& partners = {})
      : ca(AttestationCa::Create(oem_id, clock.Now()).value()), authority(&stub) {
    registry = SqliteDeviceRegistry::Open(TempPath(oem_id)).value();
    std::map<std::string, std::string> roots;
    for (const Vendor* p : partners) roots[p->ca.oem_id()] = p->ca.root().ToPem().value();
    format = std::make_unique<ProvisioningFormat>(ProvisioningFormat::Create(&ca, roots).value());
    OemServiceOptions options;
    options.oem_id = std::string(oem_id);
    options.relay_cn = "relay";
    service =
        std::make_unique<OemService>(options, clock, registry.get(), &ca, &authority, format.get());
  }
  // An enrolled device with one attested key, and a redemption of `token` by it.
  ov1::ProvisionCredentialRequest Redemption(const common::v1::SignedShareToken& token) {
    EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
    auto enrolled = service->EnrolDevice(testing::MakeEnrolRequest(
        ca.oem_id(), service->GetChallenge({}).value().nonce(), identity));
    EXPECT_TRUE(enrolled.ok()) << enrolled.status();
    ov1::ProvisionCredentialRequest req;
    req.mutable_auth()->set_device_id(enrolled->device_id());
    req.mutable_auth()->set_device_token(enrolled->device_token());
    EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
    auto attested = service->AttestKey(testing::MakeAttestKeyRequest(
        req.auth(), service->GetChallenge({}).value().nonce(), identity, key));
    EXPECT_TRUE(attested.ok()) << attested.status();
    req.mutable_redeem()->set_request_id("redeem-1");
    *req.mutable_redeem()->mutable_token() = token;
    req.mutable_redeem()->set_receiver_public_key(key.PublicKey().SpkiDer());
    *req.mutable_redeem()->mutable_receiver_attestation() = attested->attestation();
    return req;
  }
  // A share token as this vendor's device receives it from RequestShare.
  common::v1::SignedShareToken Share() {
    EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
    auto enrolled = service->EnrolDevice(testing::MakeEnrolRequest(
        ca.oem_id(), service->GetChallenge({}).value().nonce(), identity));
    ov1::RequestShareRequest req;
    req.mutable_auth()->set_device_id(enrolled->device_id());
    req.mutable_auth()->set_device_token(enrolled->device_token());
    req.mutable_share()->set_intent("intent");
    EXPECT_CALL(stub, InitiateShare(_, _, _))
        .WillOnce([](grpc::ClientContext*, const ca::InitiateShareRequest&,
                     ca::InitiateShareResponse* out) {
          out->set_share_id("share-1");
          out->mutable_token()->set_body("authority body");
          out->mutable_token()->set_signature("authority signature");
          return grpc::Status::OK;
        });
    auto r = service->RequestShare(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r->token();
  }

  AttestationCa ca;
  std::unique_ptr<SqliteDeviceRegistry> registry;
  StrictMock<ca::MockCredentialAuthorityStub> stub;
  GrpcAuthorityClient authority;
  std::unique_ptr<ProvisioningFormat> format;
  std::unique_ptr<OemService> service;
};

class OemServiceFormatTest : public ::testing::Test {
 protected:
  FakeClock clock_;
};

TEST_F(OemServiceFormatTest, TheSendersVendorWrapsTheAuthorityToken) {
  Vendor a("oem-a", clock_);
  common::v1::SignedShareToken token = a.Share();
  EXPECT_EQ(token.body(), "authority body");
  EXPECT_EQ(token.vendor_format().issuer_oem(), "oem-a");
  EXPECT_FALSE(token.vendor_format().signature().empty());
}

TEST_F(OemServiceFormatTest, APartnerRedeemsAndTheAuthorityGetsTheBareToken) {
  Vendor a("oem-a", clock_);
  Vendor b("oem-b", clock_, {&a});
  ov1::ProvisionCredentialRequest req = b.Redemption(a.Share());
  EXPECT_CALL(b.stub, RedeemShare(_, _, _))
      .WillOnce([](grpc::ClientContext*, const ca::RedeemShareRequest& got,
                   ca::RedeemShareResponse* out) {
        EXPECT_FALSE(got.token().has_vendor_format());
        EXPECT_EQ(got.token().body(), "authority body");
        out->set_share_id("share-1");
        return grpc::Status::OK;
      });
  auto r = b.service->ProvisionCredential(req);
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST_F(OemServiceFormatTest, WithoutAnAgreementTheReceiversVendorRefusesBeforeTheAuthority) {
  Vendor a("oem-a", clock_);
  Vendor b("oem-b", clock_);  // no partners; its StrictMock fails on any call
  absl::Status s = b.service->ProvisionCredential(b.Redemption(a.Share())).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), "no_provisioning_agreement");
}

TEST_F(OemServiceFormatTest, AnAgreementIsOneDirection) {
  Vendor a("oem-a", clock_);
  Vendor b("oem-b", clock_, {&a});  // b redeems a's format, not the reverse
  EXPECT_EQ(ReasonOf(a.service->ProvisionCredential(a.Redemption(b.Share())).status()),
            "no_provisioning_agreement");
}

}  // namespace
}  // namespace sct::oem
