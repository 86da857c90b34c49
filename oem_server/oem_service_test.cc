#include "oem_server/oem_service.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::oem {
namespace {

namespace ca = ::credential_authority::v1;
namespace ov1 = ::oem::v1;
using crypto::EcdsaP256PrivateKey;
using ::testing::_;
using ::testing::DoAll;
using testing::MakeAttestKeyRequest;
using testing::MakeEnrolRequest;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrictMock;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  static int counter = 0;
  return absl::StrCat(dir ? dir : "/tmp", "/", name, "-", ++counter, ".db");
}

// One OEM: its own registry file, CA, mocked authority and service.
struct Oem {
  Oem(absl::string_view oem_id, const Clock& clock, int queue_limit = 64)
      : ca(AttestationCa::Create(oem_id, clock.Now()).value()),
        authority(&stub) {
    path = TempPath(oem_id);
    registry = SqliteDeviceRegistry::Open(path).value();
    OemServiceOptions options;
    options.oem_id = std::string(oem_id);
    options.relay_cn = "relay";
    options.push_queue_limit = queue_limit;
    service = std::make_unique<OemService>(options, clock, registry.get(), &ca,
                                           &authority);
  }
  std::string path;
  std::unique_ptr<SqliteDeviceRegistry> registry;
  AttestationCa ca;
  StrictMock<ca::MockCredentialAuthorityStub> stub;
  GrpcAuthorityClient authority;
  std::unique_ptr<OemService> service;
};

// A simulated device: its SE identity key and, once enrolled, its auth.
struct Device {
  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  ov1::DeviceAuth auth;
  ov1::EnrolDeviceResponse enrolment;
};

class OemServiceTest : public ::testing::Test {
 protected:
  std::string Nonce(Oem& oem) {
    return oem.service->GetChallenge({}).value().nonce();
  }
  Device Enrol(Oem& oem) {
    Device d;
    auto r = oem.service->EnrolDevice(
        MakeEnrolRequest(oem.ca.oem_id(), Nonce(oem), d.identity));
    EXPECT_TRUE(r.ok()) << r.status();
    d.enrolment = *r;
    d.auth.set_device_id(r->device_id());
    d.auth.set_device_token(r->device_token());
    return d;
  }
  ov1::AttestKeyResponse Attest(Oem& oem, const Device& d,
                                const EcdsaP256PrivateKey& key) {
    auto r = oem.service->AttestKey(
        MakeAttestKeyRequest(d.auth, Nonce(oem), d.identity, key));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(ov1::AttestKeyResponse());
  }
  std::string MintToken(Oem& oem, const Device& d) {
    ov1::MintPushTokenRequest req;
    *req.mutable_auth() = d.auth;
    auto r = oem.service->MintPushToken(req);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->token_type(), "sct-push/" + oem.ca.oem_id());
    return r->token_data();
  }
  absl::Status Notify(Oem& oem, absl::string_view token,
                      absl::string_view mailbox,
                      absl::string_view caller = "relay") {
    ov1::NotifyRequest req;
    req.set_token_type("sct-push/" + oem.ca.oem_id());
    req.set_token_data(std::string(token));
    req.set_mailbox_id(std::string(mailbox));
    return oem.service->Notify(req, caller).status();
  }
  std::unique_ptr<Subscription> Subscribe(Oem& oem, const Device& d,
                                          uint64_t after = 0) {
    ov1::SubscribeNotificationsRequest req;
    *req.mutable_auth() = d.auth;
    req.set_after_sequence(after);
    auto s = oem.service->SubscribeNotifications(req);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  // Drains what is ready now (no waiting): the mailbox ids of MAILBOX_CHANGED
  // messages, with "SUBSCRIBED" for the stream's first message.
  std::vector<std::string> Drain(Subscription& s) {
    std::vector<std::string> out;
    ov1::DeviceNotification n;
    while (s.Next(absl::ZeroDuration(), &n) ==
           Subscription::Result::kNotification) {
      out.push_back(n.kind() == ov1::SUBSCRIBED ? "SUBSCRIBED"
                                                : n.mailbox_id());
    }
    return out;
  }

  FakeClock clock_;
};

// ---- Enrolment -------------------------------------------------------------

TEST_F(OemServiceTest, EnrolmentIssuesDeviceCertificateUnderOemRoot) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  EXPECT_EQ(d.auth.device_token().size(), 32u);
  ASSERT_EQ(d.enrolment.identity_attestation().certificates_der_size(), 1);
  auto cert = crypto::Certificate::FromDer(
      d.enrolment.identity_attestation().certificates_der(0));
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(d.enrolment.attestation_root_der(), a.ca.root_der());
  EXPECT_TRUE(
      crypto::VerifyCertificateChain(*cert, {}, {a.ca.root()}, clock_.Now())
          .ok());
  EXPECT_EQ(cert->PublicKeyPoint().value(),
            d.identity.PublicKey().UncompressedPoint());
  EXPECT_EQ(cert->ExtensionValue(crypto::kOidDeviceIdentity).value(),
            d.auth.device_id());
}

TEST_F(OemServiceTest, EnrolmentWithBadProofIsRejectedAndBurnsTheNonce) {
  Oem a("oem-a", clock_);
  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  EcdsaP256PrivateKey other = EcdsaP256PrivateKey::Generate().value();
  std::string nonce = Nonce(a);
  // Signed by another key than the one being enrolled.
  ov1::EnrolDeviceRequest req = MakeEnrolRequest("oem-a", nonce, other);
  req.set_identity_public_key(identity.PublicKey().SpkiDer());
  auto r = a.service->EnrolDevice(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(r.status()), "bad_proof_of_possession");
  // The nonce was single-use even though the proof failed.
  r = a.service->EnrolDevice(MakeEnrolRequest("oem-a", nonce, identity));
  EXPECT_EQ(ReasonOf(r.status()), "unknown_challenge");
}

TEST_F(OemServiceTest, EnrolmentProofMadeForAnotherOemIsRejected) {
  Oem a("oem-a", clock_);
  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  auto r =
      a.service->EnrolDevice(MakeEnrolRequest("oem-b", Nonce(a), identity));
  EXPECT_EQ(ReasonOf(r.status()), "bad_proof_of_possession");
}

TEST_F(OemServiceTest, EnrolmentNeedsAFreshKnownNonce) {
  Oem a("oem-a", clock_);
  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  auto r = a.service->EnrolDevice(
      MakeEnrolRequest("oem-a", std::string(32, 'x'), identity));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(r.status()), "unknown_challenge");

  std::string nonce = Nonce(a);
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  r = a.service->EnrolDevice(MakeEnrolRequest("oem-a", nonce, identity));
  EXPECT_EQ(ReasonOf(r.status()), "unknown_challenge");

  r = a.service->EnrolDevice(MakeEnrolRequest("oem-a", "short", identity));
  EXPECT_EQ(ReasonOf(r.status()), "invalid_field");
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("nonce"));
}

// Challenges nobody answers (any client can ask for them) must not make the
// next enrolment walk them all.
TEST_F(OemServiceTest, OutstandingChallengesDoNotCostTheNextEnrolment) {
  Oem a("oem-a", clock_);
  for (int i = 0; i < 35000; ++i) ASSERT_TRUE(a.service->GetChallenge({}).ok());
  const uint64_t before = a.service->challenge_entries_visited();
  Device d = Enrol(a);
  EXPECT_FALSE(d.auth.device_id().empty());
  EXPECT_LE(a.service->challenge_entries_visited() - before, 100u);
}

// A device holds at most 4 streams (a leaked token cannot hold more server
// threads); the newest wins and the oldest ends after handing out what it holds.
TEST_F(OemServiceTest, StreamsPerDeviceAreBoundedAndTheNewestWins) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  std::vector<std::unique_ptr<Subscription>> streams;
  for (int i = 0; i < 5; ++i) streams.push_back(Subscribe(a, d));
  EXPECT_EQ(a.service->hub().OpenStreams(d.auth.device_id()), 4);
  ASSERT_TRUE(Notify(a, MintToken(a, d), "m1").ok());
  EXPECT_EQ(Drain(*streams[0]), std::vector<std::string>{"SUBSCRIBED"});
  ov1::DeviceNotification n;
  EXPECT_EQ(streams[0]->Next(absl::ZeroDuration(), &n), Subscription::Result::kReplaced);
  EXPECT_EQ(Drain(*streams[4]), (std::vector<std::string>{"SUBSCRIBED", "m1"}));
}

TEST_F(OemServiceTest, MalformedEnrolmentFieldsAreNamed) {
  Oem a("oem-a", clock_);
  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  ov1::EnrolDeviceRequest req = MakeEnrolRequest("oem-a", Nonce(a), identity);
  req.set_identity_public_key("garbage");
  auto r = a.service->EnrolDevice(req);
  EXPECT_EQ(ReasonOf(r.status()), "invalid_field");
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("identity_public_key"));

  req = MakeEnrolRequest("oem-a", Nonce(a), identity, std::string(65, 'm'));
  r = a.service->EnrolDevice(req);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("model"));
}

TEST_F(OemServiceTest, SameIdentityKeyCannotEnrolTwice) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  auto r =
      a.service->EnrolDevice(MakeEnrolRequest("oem-a", Nonce(a), d.identity));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
}

// ---- Key attestation -------------------------------------------------------

TEST_F(OemServiceTest, AttestationChainVerifiesToTheOemRootOnly) {
  Oem a("oem-a", clock_);
  Oem b("oem-b", clock_);
  Device d = Enrol(a);
  EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
  ov1::AttestKeyResponse r = Attest(a, d, key);
  ASSERT_EQ(r.attestation().certificates_der_size(), 1);  // root not sent
  auto leaf = crypto::Certificate::FromDer(r.attestation().certificates_der(0));
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(
      crypto::VerifyCertificateChain(*leaf, {}, {a.ca.root()}, clock_.Now())
          .ok());
  EXPECT_EQ(ReasonOf(crypto::VerifyCertificateChain(*leaf, {}, {b.ca.root()},
                                                    clock_.Now())),
            "bad_certificate_chain");
  EXPECT_EQ(leaf->PublicKeySpkiDer().value(), key.PublicKey().SpkiDer());
  EXPECT_FALSE(leaf->IsCa());
  EXPECT_EQ(leaf->ExtensionValue(crypto::kOidKeyAttestation).value(),
            a.ca.AttestationStatement());
  // Unlinkable: the key certificate does not name the device.
  EXPECT_EQ(leaf->ExtensionValue(crypto::kOidDeviceIdentity).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OemServiceTest, AttestKeyRequiresBothProofs) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
  EcdsaP256PrivateKey stranger = EcdsaP256PrivateKey::Generate().value();

  // Possession of the new key not proven (signed by another key).
  ov1::AttestKeyRequest req =
      MakeAttestKeyRequest(d.auth, Nonce(a), d.identity, stranger);
  req.set_public_key(key.PublicKey().SpkiDer());
  req.set_identity_signature(
      d.identity
          .Sign(AttestKeyMessage(req.nonce(), req.public_key()),
                crypto::SignatureEncoding::kDer)
          .value());
  auto r = a.service->AttestKey(req);
  EXPECT_EQ(ReasonOf(r.status()), "bad_proof_of_possession");
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("possession_signature"));

  // Identity signature by a key other than the enrolled one.
  req = MakeAttestKeyRequest(d.auth, Nonce(a), stranger, key);
  r = a.service->AttestKey(req);
  EXPECT_EQ(ReasonOf(r.status()), "bad_proof_of_possession");
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("identity_signature"));
}

// ---- Device authentication -------------------------------------------------

TEST_F(OemServiceTest, DeviceOfAnotherOemCannotCall) {
  Oem a("oem-a", clock_);
  Oem b("oem-b", clock_);
  Device of_b = Enrol(b);
  EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
  auto r = a.service->AttestKey(
      MakeAttestKeyRequest(of_b.auth, Nonce(a), of_b.identity, key));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(r.status()), "unknown_device");

  ov1::RequestShareRequest share;
  *share.mutable_auth() = of_b.auth;
  share.mutable_share()->set_request_id("r1");
  // StrictMock: reaching the authority would fail the test.
  EXPECT_EQ(ReasonOf(a.service->RequestShare(share).status()),
            "unknown_device");
  ov1::MintPushTokenRequest mint;
  *mint.mutable_auth() = of_b.auth;
  EXPECT_EQ(ReasonOf(a.service->MintPushToken(mint).status()),
            "unknown_device");
}

TEST_F(OemServiceTest, WrongOrMissingDeviceTokenIsRejected) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  ov1::RequestShareRequest share;
  *share.mutable_auth() = d.auth;
  std::string token = d.auth.device_token();
  token[0] ^= 1;
  share.mutable_auth()->set_device_token(token);
  share.mutable_share()->set_request_id("r1");
  auto r = a.service->RequestShare(share);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(r.status()), "bad_device_token");
  share.mutable_auth()->clear_device_token();
  EXPECT_EQ(ReasonOf(a.service->RequestShare(share).status()),
            "bad_device_token");
  share.clear_auth();
  EXPECT_EQ(ReasonOf(a.service->RequestShare(share).status()), "invalid_field");
}

// ---- Authority bridge ------------------------------------------------------

TEST_F(OemServiceTest, RequestShareForwardsToTheAuthority) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  ov1::RequestShareRequest req;
  *req.mutable_auth() = d.auth;
  req.mutable_share()->set_request_id("req-1");
  req.mutable_share()->set_intent("intent-bytes");
  req.mutable_share()->set_holder_proof("proof");
  req.mutable_share()->set_pin("493817");
  ca::InitiateShareResponse answer;
  answer.set_share_id("share-1");
  answer.mutable_token()->set_body("token-body");
  EXPECT_CALL(a.stub, InitiateShare(_, _, _))
      .WillOnce([&](grpc::ClientContext*, const ca::InitiateShareRequest& got,
                    ca::InitiateShareResponse* out) {
        EXPECT_EQ(got.SerializeAsString(), req.share().SerializeAsString());
        *out = answer;
        return grpc::Status::OK;
      });
  auto r = a.service->RequestShare(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->share_id(), "share-1");
  EXPECT_EQ(r->token().body(), "token-body");
}

struct PassThroughCase {
  absl::StatusCode code;
  const char* reason;
};

class AuthorityErrorTest
    : public OemServiceTest,
      public ::testing::WithParamInterface<PassThroughCase> {};

TEST_P(AuthorityErrorTest, AuthorityErrorsPassThroughWithTheirReasons) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  absl::Status authority_error =
      MakeError(GetParam().code, GetParam().reason, "from the authority");
  EXPECT_CALL(a.stub, InitiateShare(_, _, _))
      .WillOnce(Return(ToGrpcStatus(authority_error)));
  EXPECT_CALL(a.stub, RevokeShare(_, _, _))
      .WillOnce(Return(ToGrpcStatus(authority_error)));
  EXPECT_CALL(a.stub, ListShares(_, _, _))
      .WillOnce(Return(ToGrpcStatus(authority_error)));

  ov1::RequestShareRequest share;
  *share.mutable_auth() = d.auth;
  share.mutable_share()->set_request_id("r");
  auto s = a.service->RequestShare(share).status();
  EXPECT_EQ(s.code(), GetParam().code);
  EXPECT_EQ(ReasonOf(s), GetParam().reason);
  EXPECT_EQ(s.message(), "from the authority");

  ov1::RevokeShareRequest revoke;
  *revoke.mutable_auth() = d.auth;
  revoke.mutable_revoke()->set_share_id("s");
  revoke.mutable_revoke()->mutable_holder()->set_credential_id("c");
  s = a.service->RevokeShare(revoke).status();
  EXPECT_EQ(s.code(), GetParam().code);
  EXPECT_EQ(ReasonOf(s), GetParam().reason);

  ov1::ListSharesRequest list;
  *list.mutable_auth() = d.auth;
  list.mutable_list()->set_credential_id("c");
  list.mutable_list()->mutable_holder()->set_credential_id("c");
  s = a.service->ListShares(list).status();
  EXPECT_EQ(ReasonOf(s), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, AuthorityErrorTest,
    ::testing::Values(
        PassThroughCase{absl::StatusCode::kFailedPrecondition,
                        "share_already_redeemed"},
        PassThroughCase{absl::StatusCode::kNotFound, "share_not_found"},
        PassThroughCase{absl::StatusCode::kPermissionDenied,
                        "entitlement_escalation"},
        PassThroughCase{absl::StatusCode::kUnauthenticated, "untrusted_oem"},
        PassThroughCase{absl::StatusCode::kUnavailable, "simulated_outage"}));

TEST_F(OemServiceTest, UnreachableAuthorityIsAuthorityUnavailable) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  EXPECT_CALL(a.stub, InitiateShare(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "failed to connect to all addresses")));
  ov1::RequestShareRequest share;
  *share.mutable_auth() = d.auth;
  share.mutable_share()->set_request_id("r");
  auto s = a.service->RequestShare(share).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "authority_unavailable");
}

TEST_F(OemServiceTest, ProvisionForwardsOnlyKeysAttestedForTheCaller) {
  Oem a("oem-a", clock_);
  Oem b("oem-b", clock_);
  Device d = Enrol(a);
  Device other = Enrol(a);
  Device foreign = Enrol(b);
  EcdsaP256PrivateKey key = EcdsaP256PrivateKey::Generate().value();
  ov1::AttestKeyResponse att = Attest(a, d, key);

  ov1::ProvisionCredentialRequest req;
  *req.mutable_auth() = d.auth;
  req.mutable_redeem()->set_request_id("redeem-1");
  req.mutable_redeem()->mutable_token()->set_body("token");
  req.mutable_redeem()->set_receiver_public_key(key.PublicKey().SpkiDer());
  *req.mutable_redeem()->mutable_receiver_attestation() = att.attestation();
  req.mutable_redeem()->set_pin("493817");

  ca::RedeemShareResponse answer;
  answer.set_share_id("share-1");
  answer.mutable_credential()->set_credential_id("cred-1");
  EXPECT_CALL(a.stub, RedeemShare(_, _, _))
      .WillOnce([&](grpc::ClientContext*, const ca::RedeemShareRequest& got,
                    ca::RedeemShareResponse* out) {
        EXPECT_EQ(got.SerializeAsString(), req.redeem().SerializeAsString());
        *out = answer;
        return grpc::Status::OK;
      });
  auto r = a.service->ProvisionCredential(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->credential().credential_id(), "cred-1");

  // Another device of the same OEM cannot redeem with d's attested key.
  ov1::ProvisionCredentialRequest stolen = req;
  *stolen.mutable_auth() = other.auth;
  auto s = a.service->ProvisionCredential(stolen).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "bad_attestation");

  // A chain for another key than receiver_public_key.
  ov1::ProvisionCredentialRequest mismatch = req;
  mismatch.mutable_redeem()->set_receiver_public_key(
      EcdsaP256PrivateKey::Generate().value().PublicKey().SpkiDer());
  EXPECT_EQ(ReasonOf(a.service->ProvisionCredential(mismatch).status()),
            "bad_attestation");

  // The identity certificate (which names the device) is never forwarded.
  ov1::ProvisionCredentialRequest identity = req;
  identity.mutable_redeem()->set_receiver_public_key(
      d.identity.PublicKey().SpkiDer());
  *identity.mutable_redeem()->mutable_receiver_attestation() =
      d.enrolment.identity_attestation();
  EXPECT_EQ(ReasonOf(a.service->ProvisionCredential(identity).status()),
            "bad_attestation");

  // A chain from another OEM.
  EcdsaP256PrivateKey fkey = EcdsaP256PrivateKey::Generate().value();
  ov1::ProvisionCredentialRequest foreign_chain = req;
  foreign_chain.mutable_redeem()->set_receiver_public_key(
      fkey.PublicKey().SpkiDer());
  *foreign_chain.mutable_redeem()->mutable_receiver_attestation() =
      Attest(b, foreign, fkey).attestation();
  EXPECT_EQ(ReasonOf(a.service->ProvisionCredential(foreign_chain).status()),
            "bad_attestation");
}

TEST_F(OemServiceTest, DeviceCannotRevokeOrListAsAdmin) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  ov1::RevokeShareRequest revoke;
  *revoke.mutable_auth() = d.auth;
  revoke.mutable_revoke()->set_share_id("s");
  auto s = a.service->RevokeShare(revoke).status();
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("revoke.holder"));
  ov1::RevokeCredentialRequest rc;
  *rc.mutable_auth() = d.auth;
  rc.mutable_revoke()->set_credential_id("c");
  EXPECT_EQ(ReasonOf(a.service->RevokeCredential(rc).status()),
            "invalid_field");
  ov1::ListSharesRequest list;
  *list.mutable_auth() = d.auth;
  list.mutable_list()->set_access_point_id("car-1");
  EXPECT_EQ(ReasonOf(a.service->ListShares(list).status()), "invalid_field");
}

// ---- Push ------------------------------------------------------------------

TEST_F(OemServiceTest, PushReachesOnlyTheDeviceHoldingTheToken) {
  Oem a("oem-a", clock_);
  Device alice = Enrol(a);
  Device bob = Enrol(a);
  std::string alice_token = MintToken(a, alice);
  std::string bob_token = MintToken(a, bob);
  EXPECT_NE(alice_token, bob_token);
  EXPECT_EQ(alice_token.size(), 43u);  // 32 bytes, base64url without padding
  auto alice_stream = Subscribe(a, alice);
  auto bob_stream = Subscribe(a, bob);
  EXPECT_EQ(Drain(*alice_stream), std::vector<std::string>{"SUBSCRIBED"});
  EXPECT_EQ(Drain(*bob_stream), std::vector<std::string>{"SUBSCRIBED"});

  ASSERT_TRUE(Notify(a, alice_token, "mailbox-1").ok());
  EXPECT_EQ(Drain(*alice_stream), std::vector<std::string>{"mailbox-1"});
  EXPECT_TRUE(Drain(*bob_stream).empty());

  ASSERT_TRUE(Notify(a, bob_token, "mailbox-2").ok());
  EXPECT_TRUE(Drain(*alice_stream).empty());
  EXPECT_EQ(Drain(*bob_stream), std::vector<std::string>{"mailbox-2"});
}

TEST_F(OemServiceTest, NotificationCarriesSequenceTokenAndTime) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  auto stream = Subscribe(a, d);
  ov1::DeviceNotification n;
  ASSERT_EQ(stream->Next(absl::ZeroDuration(), &n),
            Subscription::Result::kNotification);
  EXPECT_EQ(n.kind(), ov1::SUBSCRIBED);
  EXPECT_EQ(n.sequence(), 0u);
  ASSERT_TRUE(Notify(a, token, "m1").ok());
  ASSERT_TRUE(Notify(a, token, "m2").ok());
  ASSERT_EQ(stream->Next(absl::ZeroDuration(), &n),
            Subscription::Result::kNotification);
  EXPECT_EQ(n.kind(), ov1::MAILBOX_CHANGED);
  EXPECT_EQ(n.sequence(), 1u);
  EXPECT_EQ(n.token_data(), token);
  EXPECT_EQ(n.received_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  ASSERT_EQ(stream->Next(absl::ZeroDuration(), &n),
            Subscription::Result::kNotification);
  EXPECT_EQ(n.sequence(), 2u);
}

TEST_F(OemServiceTest, EveryOpenStreamOfTheDeviceGetsThePush) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  auto s1 = Subscribe(a, d);
  auto s2 = Subscribe(a, d);
  Drain(*s1);
  Drain(*s2);
  ASSERT_TRUE(Notify(a, token, "m").ok());
  EXPECT_EQ(Drain(*s1), std::vector<std::string>{"m"});
  EXPECT_EQ(Drain(*s2), std::vector<std::string>{"m"});
}

TEST_F(OemServiceTest, UnknownWrongTypeOrExpiredTokenIsNotFound) {
  Oem a("oem-a", clock_);
  Oem b("oem-b", clock_);
  Device d = Enrol(a);
  auto s = Notify(a, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "m");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(s), "unknown_push_token");

  // A token of oem-b presented to oem-a.
  Device db = Enrol(b);
  EXPECT_EQ(ReasonOf(Notify(a, MintToken(b, db), "m")), "unknown_push_token");

  std::string token = MintToken(a, d);
  ov1::NotifyRequest wrong_type;
  wrong_type.set_token_type("sct-push/oem-b");
  wrong_type.set_token_data(token);
  wrong_type.set_mailbox_id("m");
  EXPECT_EQ(ReasonOf(a.service->Notify(wrong_type, "relay").status()),
            "unknown_push_token");

  clock_.Advance(absl::Hours(24 * 7) + absl::Seconds(1));
  EXPECT_EQ(ReasonOf(Notify(a, token, "m")), "unknown_push_token");
}

TEST_F(OemServiceTest, OnlyTheRelayIdentityMayNotify) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  auto s = Notify(a, token, "m", "mallory");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(s), "untrusted_relay");
  EXPECT_EQ(ReasonOf(Notify(a, token, "m", "")), "untrusted_relay");
  EXPECT_EQ(ReasonOf(Notify(a, token, "")), "invalid_field");
  EXPECT_EQ(ReasonOf(Notify(a, token, std::string("m\n", 2))), "invalid_field");
}

TEST_F(OemServiceTest, QueuedPushIsDeliveredOnSubscribeOnce) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  ASSERT_TRUE(Notify(a, token, "m1").ok());  // no stream open
  ASSERT_TRUE(Notify(a, token, "m2").ok());
  {
    auto stream = Subscribe(a, d);
    EXPECT_EQ(Drain(*stream),
              (std::vector<std::string>{"SUBSCRIBED", "m1", "m2"}));
  }
  // Delivered: a new stream with after_sequence 0 gets only new ones.
  auto again = Subscribe(a, d);
  EXPECT_EQ(Drain(*again), std::vector<std::string>{"SUBSCRIBED"});
  // A device that lost its stream resumes after the last sequence it saw.
  auto resumed = Subscribe(a, d, /*after=*/1);
  EXPECT_EQ(Drain(*resumed), (std::vector<std::string>{"SUBSCRIBED", "m2"}));
}

TEST_F(OemServiceTest, PushesRacingASubscribeArriveExactlyOnceInOrder) {
  Oem a("oem-a", clock_, /*queue_limit=*/1000);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  constexpr int kPushes = 200;
  std::thread relay([&] {
    for (int i = 1; i <= kPushes; ++i) {
      ASSERT_TRUE(Notify(a, token, absl::StrCat("m", i)).ok());
    }
  });
  auto stream = Subscribe(a, d);  // somewhere in the middle of the pushes
  relay.join();
  std::vector<std::string> got = Drain(*stream);
  ASSERT_EQ(got.size(), kPushes + 1u);
  EXPECT_EQ(got[0], "SUBSCRIBED");
  for (int i = 1; i <= kPushes; ++i) EXPECT_EQ(got[i], absl::StrCat("m", i));
}

TEST_F(OemServiceTest, OfflineQueueIsBounded) {
  Oem a("oem-a", clock_, /*queue_limit=*/3);
  Device d = Enrol(a);
  std::string token = MintToken(a, d);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Notify(a, token, absl::StrCat("m", i)).ok());
  }
  auto stream = Subscribe(a, d);
  EXPECT_EQ(Drain(*stream),
            (std::vector<std::string>{"SUBSCRIBED", "m3", "m4", "m5"}));
}

TEST_F(OemServiceTest, ShutdownEndsStreamsAndRefusesNewOnes) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  auto stream = Subscribe(a, d);
  Drain(*stream);
  a.service->Shutdown();
  ov1::DeviceNotification n;
  EXPECT_EQ(stream->Next(absl::Seconds(30), &n), Subscription::Result::kClosed);
  ov1::SubscribeNotificationsRequest req;
  *req.mutable_auth() = d.auth;
  auto s = a.service->SubscribeNotifications(req);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s.status()), "shutting_down");
}

TEST_F(OemServiceTest, ShutdownWakesAWaitingStream) {
  Oem a("oem-a", clock_);
  Device d = Enrol(a);
  auto stream = Subscribe(a, d);
  Drain(*stream);
  Subscription::Result result = Subscription::Result::kTimeout;
  std::thread waiter([&] {
    ov1::DeviceNotification n;
    result = stream->Next(absl::Hours(1), &n);
  });
  a.service->Shutdown();
  waiter.join();  // would hang for an hour if Shutdown did not wake it
  EXPECT_EQ(result, Subscription::Result::kClosed);
}

TEST_F(OemServiceTest, EnrolmentsTokensAndQueuedPushesSurviveARestart) {
  std::string path;
  Device d;
  std::string token;
  auto ca = AttestationCa::Create("oem-a", clock_.Now()).value();
  StrictMock<ca::MockCredentialAuthorityStub> stub;
  GrpcAuthorityClient authority(&stub);
  OemServiceOptions options;
  options.oem_id = "oem-a";
  options.relay_cn = "relay";
  path = TempPath("restart");
  {
    auto registry = SqliteDeviceRegistry::Open(path).value();
    OemService service(options, clock_, registry.get(), &ca, &authority);
    auto nonce = service.GetChallenge({}).value().nonce();
    auto r = service.EnrolDevice(MakeEnrolRequest("oem-a", nonce, d.identity));
    ASSERT_TRUE(r.ok());
    d.auth.set_device_id(r->device_id());
    d.auth.set_device_token(r->device_token());
    ov1::MintPushTokenRequest mint;
    *mint.mutable_auth() = d.auth;
    token = service.MintPushToken(mint).value().token_data();
    ov1::NotifyRequest n;
    n.set_token_type("sct-push/oem-a");
    n.set_token_data(token);
    n.set_mailbox_id("queued");
    ASSERT_TRUE(service.Notify(n, "relay").ok());
  }
  auto registry = SqliteDeviceRegistry::Open(path).value();
  OemService service(options, clock_, registry.get(), &ca, &authority);
  ov1::SubscribeNotificationsRequest sub;
  *sub.mutable_auth() = d.auth;
  auto stream = service.SubscribeNotifications(sub);
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_EQ(Drain(**stream),
            (std::vector<std::string>{"SUBSCRIBED", "queued"}));
  ov1::NotifyRequest n;
  n.set_token_type("sct-push/oem-a");
  n.set_token_data(token);
  n.set_mailbox_id("after-restart");
  ASSERT_TRUE(service.Notify(n, "relay").ok());
  EXPECT_EQ(Drain(**stream), std::vector<std::string>{"after-restart"});
}

TEST_F(OemServiceTest, OemInfoNamesRootAndPushType) {
  Oem a("oem-a", clock_);
  auto info = a.service->GetOemInfo();
  EXPECT_EQ(info.oem_id(), "oem-a");
  EXPECT_EQ(info.attestation_root_der(), a.ca.root_der());
  EXPECT_EQ(info.push_token_type(), "sct-push/oem-a");
}

}  // namespace
}  // namespace sct::oem
