// End-to-end tier: the real ca_server and two real oem_server processes
// (oem-a, oem-b) over mutual TLS on 127.0.0.1:0, files in $TEST_TMPDIR.
// A device of oem-a enrols, gets its credential key attested and is made the
// owner of car-1 (admin BootstrapOwner with the OEM's chain); it requests a
// share token through oem-a, which reaches the authority; a device of oem-b
// provisions the share through oem-b (the authority checks oem-b's chain);
// a second redemption comes back with the authority's reason; the relay's
// push reaches the oem-b device; every process exits 0 on SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"
#include "common/uuid.h"
#include "crypto/ecdsa.h"
#include "crypto/random.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "runtime/child_process.h"

namespace sct::oem {
namespace {

namespace cav1 = ::credential_authority::v1;
namespace ov1 = ::oem::v1;
using crypto::EcdsaP256PrivateKey;
using google::protobuf::util::TimeUtil;

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

struct Process {
  std::shared_ptr<ChildProcess> process;  // null when it did not start
  std::string address;
};

// Starts a binary (its stderr to the test log) and reads its
// `listening grpc=HOST:PORT` line.
Process Start(const std::string& runfile,
              const std::vector<std::string>& flags) {
  ChildProcessSpec spec;
  spec.name = runfile;
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + runfile;
  spec.args = flags;
  spec.start_timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  Process p;
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) return p;
  p.process = *std::move(started);
  auto grpc = p.process->listening().find("grpc");
  EXPECT_NE(grpc, p.process->listening().end())
      << runfile << ": " << p.process->listening_line();
  if (grpc != p.process->listening().end()) p.address = grpc->second;
  return p;
}

int Stop(Process& p) {
  return p.process == nullptr ? -1 : p.process->Terminate(absl::Seconds(30));
}

std::shared_ptr<grpc::ChannelCredentials> Creds(const std::string& cn) {
  TlsClientFiles files{Tmp("dev-ca.pem"), "", ""};
  if (!cn.empty()) {
    files.cert_file = Tmp(cn + ".pem");
    files.key_file = Tmp(cn + ".key");
  }
  auto creds = LoadClientCredentials(files);
  EXPECT_TRUE(creds.ok()) << creds.status();
  return *creds;
}

// A simulated device of one OEM, talking to it over TLS.
struct Device {
  explicit Device(const std::string& oem_address)
      : stub(ov1::Oem::NewStub(grpc::CreateChannel(oem_address, Creds("")))) {}

  void Enrol(const std::string& oem_id) {
    grpc::ClientContext c1;
    ov1::GetChallengeResponse ch;
    ASSERT_TRUE(stub->GetChallenge(&c1, {}, &ch).ok());
    grpc::ClientContext c2;
    ov1::EnrolDeviceResponse r;
    grpc::Status s = stub->EnrolDevice(
        &c2, testing::MakeEnrolRequest(oem_id, ch.nonce(), identity), &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    auth.set_device_id(r.device_id());
    auth.set_device_token(r.device_token());
  }

  common::v1::AttestationChain Attest(const EcdsaP256PrivateKey& key) {
    grpc::ClientContext c1;
    ov1::GetChallengeResponse ch;
    EXPECT_TRUE(stub->GetChallenge(&c1, {}, &ch).ok());
    grpc::ClientContext c2;
    ov1::AttestKeyResponse r;
    grpc::Status s = stub->AttestKey(
        &c2, testing::MakeAttestKeyRequest(auth, ch.nonce(), identity, key),
        &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r.attestation();
  }

  EcdsaP256PrivateKey identity = EcdsaP256PrivateKey::Generate().value();
  ov1::DeviceAuth auth;
  std::unique_ptr<ov1::Oem::Stub> stub;
};

class OemIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dev_ca = MakeTestCa("SCT Lab dev CA").value();
    ASSERT_TRUE(WriteTestFile(Tmp("dev-ca.pem"), dev_ca.cert_pem).ok());
    for (const char* cn : {"ca", "oem-a", "oem-b", "admin", "relay"}) {
      auto cert =
          IssueTestCert(dev_ca, cn, {"localhost"}, {"127.0.0.1"}).value();
      ASSERT_TRUE(
          WriteTestFile(Tmp(std::string(cn) + ".pem"), cert.cert_pem).ok());
      ASSERT_TRUE(
          WriteTestFile(Tmp(std::string(cn) + ".key"), cert.key_pem).ok());
    }
    // The OEM attestation roots exist before the authority starts (it loads
    // them with --oem_roots); the OEM servers then load the same files.
    for (const char* oem : {"oem-a", "oem-b"}) {
      std::remove(Tmp(absl::StrCat(oem, "-att.key")).c_str());
      std::remove(Tmp(absl::StrCat(oem, "-att.pem")).c_str());
      ASSERT_TRUE(AttestationCa::LoadOrCreate(
                      oem, Tmp(absl::StrCat(oem, "-att.key")),
                      Tmp(absl::StrCat(oem, "-att.pem")), absl::Now())
                      .ok());
    }
    authority_ =
        Start("credential_authority/ca_server",
              {"--listen=127.0.0.1:0", "--db_path=" + Tmp("ca.db"),
               "--signing_key=" + Tmp("ca-signing.pem"),
               "--tls_cert=" + Tmp("ca.pem"), "--tls_key=" + Tmp("ca.key"),
               "--tls_client_ca=" + Tmp("dev-ca.pem"),
               "--oem_roots=oem-a=" + Tmp("oem-a-att.pem") +
                   ",oem-b=" + Tmp("oem-b-att.pem"),
               "--admin_cn=admin"});
    ASSERT_FALSE(authority_.address.empty());
    for (const char* oem : {"oem-a", "oem-b"}) {
      Process p =
          Start("oem_server/oem_server",
                {absl::StrCat("--oem_id=", oem), "--listen=127.0.0.1:0",
                 "--db_path=" + Tmp(absl::StrCat(oem, ".db")),
                 "--attestation_ca_key=" + Tmp(absl::StrCat(oem, "-att.key")),
                 "--attestation_ca_cert=" + Tmp(absl::StrCat(oem, "-att.pem")),
                 "--ca_target=" + authority_.address,
                 "--ca_tls_cert=" + Tmp(absl::StrCat(oem, ".pem")),
                 "--ca_tls_key=" + Tmp(absl::StrCat(oem, ".key")),
                 "--ca_tls_root=" + Tmp("dev-ca.pem"),
                 "--tls_cert=" + Tmp(absl::StrCat(oem, ".pem")),
                 "--tls_key=" + Tmp(absl::StrCat(oem, ".key")),
                 "--tls_client_ca=" + Tmp("dev-ca.pem"), "--relay_cn=relay"});
      ASSERT_FALSE(p.address.empty()) << oem;
      oems_.push_back(p);
    }
  }

  void TearDown() override {
    // Torn down even when the test failed; exit codes checked in the test.
    for (Process& p : oems_) Stop(p);
    Stop(authority_);
  }

  Process authority_;
  std::vector<Process> oems_;  // [0] oem-a, [1] oem-b
};

TEST_F(OemIntegrationTest, ShareTokenAndProvisioningGoThroughToTheAuthority) {
  const absl::Time now = absl::Now();
  // Alice's phone (oem-a) enrols and gets a credential key attested.
  Device alice(oems_[0].address);
  ASSERT_NO_FATAL_FAILURE(alice.Enrol("oem-a"));
  EcdsaP256PrivateKey alice_key = EcdsaP256PrivateKey::Generate().value();
  common::v1::AttestationChain alice_chain = alice.Attest(alice_key);
  ASSERT_EQ(alice_chain.certificates_der_size(), 1);

  // The car is "bought": the admin makes Alice's attested key the owner.
  auto admin = cav1::CredentialAuthority::NewStub(
      grpc::CreateChannel(authority_.address, Creds("admin")));
  cav1::BootstrapOwnerRequest boot;
  boot.set_request_id(NewUuidV4());
  boot.mutable_access_point()->set_access_point_id("car-1");
  boot.mutable_access_point()->set_kind(common::v1::CAR);
  for (const char* e : {"unlock", "lock", "drive", "open_trunk"}) {
    boot.mutable_access_point()->add_supported_entitlements(e);
  }
  boot.set_access_point_id("car-1");
  boot.set_owner_label("owner-1");
  boot.set_oem_id("oem-a");
  boot.set_holder_public_key(alice_key.PublicKey().SpkiDer());
  *boot.mutable_holder_attestation() = alice_chain;
  boot.set_kind(common::v1::ASYMMETRIC);
  for (const char* e : {"unlock", "lock", "drive"}) boot.add_entitlements(e);
  *boot.mutable_validity()->mutable_not_before() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now - absl::Hours(1)));
  *boot.mutable_validity()->mutable_not_after() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now + absl::Hours(720)));
  boot.set_resharing_allowed(true);
  cav1::BootstrapOwnerResponse owner;
  {
    grpc::ClientContext ctx;
    grpc::Status s = admin->BootstrapOwner(&ctx, boot, &owner);
    ASSERT_TRUE(s.ok()) << FromGrpcStatus(s);
  }

  // Alice asks oem-a for a share token; oem-a forwards to the authority.
  cav1::ShareIntent intent;
  intent.set_credential_id(owner.credential().credential_id());
  intent.add_entitlements("unlock");
  *intent.mutable_validity()->mutable_not_before() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now));
  *intent.mutable_validity()->mutable_not_after() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now + absl::Hours(24)));
  *intent.mutable_signed_at() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now));
  intent.set_nonce(crypto::RandomBytes(16).value());
  ov1::RequestShareRequest share;
  *share.mutable_auth() = alice.auth;
  share.mutable_share()->set_request_id(NewUuidV4());
  share.mutable_share()->set_intent(intent.SerializeAsString());
  share.mutable_share()->set_holder_proof(
      alice_key
          .Sign(absl::StrCat(absl::string_view("sct-share-intent-v1\0", 20),
                             share.share().intent()),
                crypto::SignatureEncoding::kDer)
          .value());
  cav1::InitiateShareResponse minted;
  {
    grpc::ClientContext ctx;
    grpc::Status s = alice.stub->RequestShare(&ctx, share, &minted);
    ASSERT_TRUE(s.ok()) << FromGrpcStatus(s);
  }
  EXPECT_FALSE(minted.share_id().empty());
  EXPECT_FALSE(minted.token().signature().empty());

  // A tampered holder proof: the authority's reason reaches the device.
  {
    ov1::RequestShareRequest bad = share;
    bad.mutable_share()->set_request_id(NewUuidV4());
    std::string proof = bad.share().holder_proof();
    proof[proof.size() - 1] ^= 1;
    bad.mutable_share()->set_holder_proof(proof);
    grpc::ClientContext ctx;
    cav1::InitiateShareResponse ignored;
    absl::Status s =
        FromGrpcStatus(alice.stub->RequestShare(&ctx, bad, &ignored));
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
    EXPECT_EQ(ReasonOf(s), "bad_holder_proof") << s;
  }

  // Bob's phone (oem-b) provisions the share through oem-b.
  Device bob(oems_[1].address);
  ASSERT_NO_FATAL_FAILURE(bob.Enrol("oem-b"));
  EcdsaP256PrivateKey bob_key = EcdsaP256PrivateKey::Generate().value();
  ov1::ProvisionCredentialRequest provision;
  *provision.mutable_auth() = bob.auth;
  provision.mutable_redeem()->set_request_id(NewUuidV4());
  *provision.mutable_redeem()->mutable_token() = minted.token();
  provision.mutable_redeem()->set_receiver_public_key(
      bob_key.PublicKey().SpkiDer());
  *provision.mutable_redeem()->mutable_receiver_attestation() =
      bob.Attest(bob_key);
  cav1::RedeemShareResponse credential;
  {
    grpc::ClientContext ctx;
    grpc::Status s =
        bob.stub->ProvisionCredential(&ctx, provision, &credential);
    ASSERT_TRUE(s.ok()) << FromGrpcStatus(s);
  }
  EXPECT_EQ(credential.share_id(), minted.share_id());
  EXPECT_EQ(credential.credential().holder_public_key(),
            bob_key.PublicKey().SpkiDer());
  ASSERT_EQ(credential.credential().entitlements_size(), 1);
  EXPECT_EQ(credential.credential().entitlements(0), "unlock");

  // Redeeming again (new request id): the authority's reason passes through.
  {
    ov1::ProvisionCredentialRequest again = provision;
    again.mutable_redeem()->set_request_id(NewUuidV4());
    grpc::ClientContext ctx;
    cav1::RedeemShareResponse ignored;
    absl::Status s =
        FromGrpcStatus(bob.stub->ProvisionCredential(&ctx, again, &ignored));
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_EQ(ReasonOf(s), "share_already_redeemed") << s;
  }

  // Push: the relay identity notifies oem-b; Bob's stream gets it.
  ov1::MintPushTokenResponse token;
  {
    grpc::ClientContext ctx;
    ov1::MintPushTokenRequest mint;
    *mint.mutable_auth() = bob.auth;
    ASSERT_TRUE(bob.stub->MintPushToken(&ctx, mint, &token).ok());
  }
  grpc::ClientContext stream_ctx;
  ov1::SubscribeNotificationsRequest sub;
  *sub.mutable_auth() = bob.auth;
  auto reader = bob.stub->SubscribeNotifications(&stream_ctx, sub);
  ov1::DeviceNotification n;
  ASSERT_TRUE(reader->Read(&n));
  EXPECT_EQ(n.kind(), ov1::SUBSCRIBED);
  auto relay =
      ov1::Oem::NewStub(grpc::CreateChannel(oems_[1].address, Creds("relay")));
  {
    grpc::ClientContext ctx;
    ov1::NotifyRequest notify;
    notify.set_token_type(token.token_type());
    notify.set_token_data(token.token_data());
    notify.set_mailbox_id("0b7c6a9e-2f4d-4a51-9a57-3f1c2d7e8a90");
    ov1::NotifyResponse ack;
    grpc::Status s = relay->Notify(&ctx, notify, &ack);
    ASSERT_TRUE(s.ok()) << FromGrpcStatus(s);
    EXPECT_TRUE(ack.accepted());
  }
  ASSERT_TRUE(reader->Read(&n));
  EXPECT_EQ(n.mailbox_id(), "0b7c6a9e-2f4d-4a51-9a57-3f1c2d7e8a90");

  // SIGTERM with a stream still open: the OEM ends it and exits 0.
  EXPECT_EQ(Stop(oems_[1]), 0);
  EXPECT_FALSE(reader->Read(&n));
  reader->Finish();
  EXPECT_EQ(Stop(oems_[0]), 0);
  EXPECT_EQ(Stop(authority_), 0);
}

}  // namespace
}  // namespace sct::oem
