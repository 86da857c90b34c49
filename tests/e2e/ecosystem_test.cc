// End-to-end: the whole ecosystem as separate processes (the fixture in
// ecosystem_fixture.h), driven only through the devices' DeviceAgent control
// API (plus the authority's admin API to bootstrap the owner, the access
// point's GetStatus to wait for revocation, and the channel's Receive to learn
// the link the test then searches for in the relay's files).
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "gtest/gtest.h"
#include "tests/e2e/ecosystem_fixture.h"

namespace sct::e2e {
namespace {

namespace apv1 = ::access_point::v1;
namespace cav1 = ::credential_authority::v1;
namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;

struct Secret {
  std::string what;
  std::string value;
};

// Whether `haystack` contains `needle` (binary-safe).
bool Contains(const std::string& haystack, const std::string& needle) {
  return !needle.empty() && haystack.find(needle) != std::string::npos;
}

TEST_F(EcosystemTest, CarKeySharedOverSmsWithPinUsedThenRevoked) {
  // ---- enrolment (both devices, with their own OEM) ----
  std::string device_id[2];
  dv1::DeviceAgent::Stub* devs[2] = {alice_stub_.get(), bob_stub_.get()};
  for (int i = 0; i < 2; ++i) {
    dv1::EnrolResponse r;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = devs[i]->Enrol(&ctx, {}, &r);
    ASSERT_TRUE(s.ok()) << "Enrol " << i << ": " << s.error_message();
    ASSERT_FALSE(r.device_id().empty());
    device_id[i] = r.device_id();
  }

  // ---- alice becomes the owner of car-1 (authority admin BootstrapOwner) --
  dv1::PrepareKeyResponse key;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->PrepareKey(&ctx, {}, &key);
    ASSERT_TRUE(s.ok()) << "PrepareKey: " << s.error_message();
  }
  cav1::BootstrapOwnerResponse owner;
  {
    cav1::BootstrapOwnerRequest req;
    req.set_request_id(NewUuidV4());
    req.set_access_point_id("car-1");
    req.set_owner_label("e2e owner");
    req.set_oem_id("oem-a");
    req.set_holder_public_key(key.public_key());
    *req.mutable_holder_attestation() = key.attestation();
    req.set_kind(::common::v1::ASYMMETRIC);
    req.add_entitlements("unlock");
    req.add_entitlements("drive");
    req.mutable_validity()->mutable_not_before()->set_seconds(
        absl::ToUnixSeconds(absl::Now() - absl::Minutes(10)));
    req.mutable_validity()->mutable_not_after()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
    req.set_resharing_allowed(true);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = admin_->BootstrapOwner(&ctx, req, &owner);
    ASSERT_TRUE(s.ok()) << "BootstrapOwner: " << s.error_message();
  }
  std::string owner_credential;
  {
    dv1::InstallCredentialRequest req;
    req.set_key_id(key.key_id());
    *req.mutable_credential() = owner.credential();
    req.set_label("my car");
    dv1::InstallCredentialResponse r;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->InstallCredential(&ctx, req, &r);
    ASSERT_TRUE(s.ok()) << "InstallCredential: " << s.error_message();
    owner_credential = r.credential_id();
  }
  EXPECT_TRUE(Use(*alice_stub_, owner_credential, "drive").granted());

  // ---- share: unlock only, over SMS, PIN over a second SMS inbox ----
  dv1::ShareCredentialResponse share;
  {
    dv1::ShareCredentialRequest req;
    req.set_request_id(NewUuidV4());
    req.set_credential_id(owner_credential);
    req.add_entitlements("unlock");
    req.set_pin(kPin);
    req.mutable_pin_delivery()->set_channel(::common::v1::SMS);
    req.mutable_pin_delivery()->set_to(kBobPinAddress);
    req.set_channel(::common::v1::SMS);
    req.set_from_address(kAliceAddress);
    req.set_to_address(kBobAddress);
    req.set_vertical(::common::v1::VERTICAL_CAR);
    req.set_label("car for bob");
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->ShareCredential(&ctx, req, &share);
    ASSERT_TRUE(s.ok()) << "ShareCredential: " << s.error_message();
  }

  // The link as the receiver's SMS inbox holds it (the test reads it only
  // to know the secret fragment it must not find at the relay).
  std::string link, fragment, pin_message;
  {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (link.empty() && absl::Now() < deadline) {
      chv1::ReceiveRequest req;
      req.set_kind(::common::v1::SMS);
      req.set_address(kBobAddress);
      chv1::ReceiveResponse r;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = channel_stub_->Receive(&ctx, req, &r);
      ASSERT_TRUE(s.ok()) << "Receive: " << s.error_message();
      for (const auto& m : r.messages()) {
        size_t at = m.body().find("https://");
        if (at != std::string::npos) link = m.body().substr(at);
      }
      if (link.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(link.empty()) << "no link in the receiver's SMS inbox";
    size_t hash = link.find('#');
    ASSERT_NE(hash, std::string::npos) << link.substr(0, link.find('?'));
    fragment = link.substr(hash + 1);
    ASSERT_GE(fragment.size(), 16u);
    EXPECT_EQ(link.substr(0, hash).rfind(share.link_without_fragment(), 0), 0u);
  }

  // ---- bob accepts from his inbox with the PIN ----
  dv1::AcceptLinkResponse accepted;
  {
    dv1::AcceptLinkRequest req;
    req.set_request_id(NewUuidV4());
    req.mutable_inbox()->set_channel(::common::v1::SMS);
    req.mutable_inbox()->set_address(kBobAddress);
    req.set_pin(kPin);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    grpc::Status s = bob_stub_->AcceptLink(&ctx, req, &accepted);
    ASSERT_TRUE(s.ok()) << "AcceptLink: " << s.error_message();
  }
  ASSERT_EQ(accepted.outcome(), dv1::ACCEPT_PROVISIONED);
  ASSERT_FALSE(accepted.credential_id().empty());
  EXPECT_EQ(accepted.share_id(), share.share_id());

  // ---- use at the car ----
  dv1::UseCredentialResponse unlock =
      Use(*bob_stub_, accepted.credential_id(), "unlock");
  EXPECT_TRUE(unlock.granted()) << unlock.detail();
  EXPECT_EQ(unlock.reason(), apv1::GRANTED);
  EXPECT_EQ(unlock.access_point_id(), "car-1");
  dv1::UseCredentialResponse drive =
      Use(*bob_stub_, accepted.credential_id(), "drive");
  EXPECT_FALSE(drive.granted());
  EXPECT_EQ(drive.reason(), apv1::DENIED_ENTITLEMENT) << drive.detail();

  // ---- the sender revokes; wait for the car to learn it ----
  cav1::RevokeResponse revoked;
  {
    dv1::RevokeRequest req;
    req.set_request_id(NewUuidV4());
    req.set_share_id(share.share_id());
    req.set_reason("e2e");
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->Revoke(&ctx, req, &revoked);
    ASSERT_TRUE(s.ok()) << "Revoke: " << s.error_message();
  }
  ASSERT_GT(revoked.revocation_list_version(), 0u);
  {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    uint64_t seen = 0;
    while (true) {
      apv1::GetStatusResponse st;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = ap_stub_->GetStatus(&ctx, {}, &st);
      ASSERT_TRUE(s.ok()) << "GetStatus: " << s.error_message();
      seen = st.revocation_list_version();
      if (seen >= revoked.revocation_list_version()) break;
      ASSERT_LT(absl::Now(), deadline)
          << "car-1 at revocation version " << seen << ", want "
          << revoked.revocation_list_version();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  dv1::UseCredentialResponse after =
      Use(*bob_stub_, accepted.credential_id(), "unlock");
  EXPECT_FALSE(after.granted());
  EXPECT_EQ(after.reason(), apv1::DENIED_REVOKED) << after.detail();
  // The owner is unaffected.
  EXPECT_TRUE(Use(*alice_stub_, owner_credential, "unlock").granted());

  // ---- the relay holds nothing it should not ----
  std::string secret_raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(fragment, &secret_raw));
  std::vector<Secret> secrets = {
      {"PIN", kPin},
      {"sender device id", device_id[0]},
      {"receiver device id", device_id[1]},
      {"sender address", kAliceAddress},
      {"receiver address", kBobAddress},
      {"PIN address", kBobPinAddress},
      {"secret (link fragment, base64url)", fragment},
      {"secret (raw bytes)", secret_raw},
      {"share id (inside the token)", share.share_id()},
      {"owner credential id", owner_credential},
      {"receiver credential id", accepted.credential_id()},
      {"access point id", "car-1"},
      {"label", "car for bob"},
      {"sender device name", "alice"},
      {"receiver device name", "bob"},
  };
  auto check = [&](const std::string& when) {
    for (const char* f :
         {"relay.db", "relay.db-wal", "relay.db-shm", "relay.stderr"}) {
      const std::string contents = ReadFile(Tmp(f));
      for (const Secret& x : secrets) {
        EXPECT_FALSE(Contains(contents, x.value))
            << when << ": " << f << " contains the " << x.what;
      }
    }
  };
  check("relay running");
  // After a clean shutdown (WAL checkpointed into the db).
  for (Child& c : children_) {
    if (c.name == "relay") {
      EXPECT_EQ(Terminate(c), 0);
    }
  }
  EXPECT_FALSE(ReadFile(Tmp("relay.db")).empty());
  check("relay stopped");
}

TEST_F(EcosystemTest, HotelRoomSymmetricKeyOverEmail) {
  ASSERT_FALSE(Enrol(*alice_stub_).empty());
  ASSERT_FALSE(Enrol(*bob_stub_).empty());
  const std::string room =
      MakeOwner(*alice_stub_, "hotel-12", ::common::v1::SYMMETRIC, {"enter"});
  ASSERT_FALSE(room.empty());
  ASSERT_NO_FATAL_FAILURE(WaitForSymmetricKeys("hotel-12", 1));
  dv1::UseCredentialResponse own = Use(*alice_stub_, room, "enter", "hotel-12");
  EXPECT_TRUE(own.granted()) << own.reason() << " " << own.detail();

  dv1::ShareCredentialResponse share;
  {
    dv1::ShareCredentialRequest req;
    req.set_request_id(NewUuidV4());
    req.set_credential_id(room);
    req.set_channel(::common::v1::EMAIL);
    req.set_from_address("alice@example.test");
    req.set_to_address("bob@example.test");
    req.set_vertical(::common::v1::VERTICAL_GENERAL);
    req.set_message_text("Your room key:");
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->ShareCredential(&ctx, req, &share);
    ASSERT_TRUE(s.ok()) << "ShareCredential: " << s.error_message();
  }
  const std::string link = WaitForLink(::common::v1::EMAIL, "bob@example.test");
  ASSERT_FALSE(link.empty()) << "no link in the receiver's e-mail inbox";
  EXPECT_NE(link.find("v=a"), std::string::npos) << "general-access vertical";

  dv1::AcceptLinkResponse accepted;
  {
    dv1::AcceptLinkRequest req;
    req.set_request_id(NewUuidV4());
    req.mutable_inbox()->set_channel(::common::v1::EMAIL);
    req.mutable_inbox()->set_address("bob@example.test");
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    grpc::Status s = bob_stub_->AcceptLink(&ctx, req, &accepted);
    ASSERT_TRUE(s.ok()) << "AcceptLink: " << s.error_message();
  }
  ASSERT_EQ(accepted.outcome(), dv1::ACCEPT_PROVISIONED);
  EXPECT_EQ(accepted.offer().credential_kind(), ::common::v1::SYMMETRIC);
  ASSERT_NO_FATAL_FAILURE(WaitForSymmetricKeys("hotel-12", 2));
  dv1::UseCredentialResponse enter =
      Use(*bob_stub_, accepted.credential_id(), "enter", "hotel-12");
  EXPECT_TRUE(enter.granted()) << enter.detail();
  EXPECT_EQ(enter.reason(), apv1::GRANTED);
  EXPECT_EQ(enter.access_point_id(), "hotel-12");
  // The room key does not open the car.
  dv1::UseCredentialResponse car =
      Use(*bob_stub_, accepted.credential_id(), "unlock", "car-1");
  EXPECT_FALSE(car.granted());
}

TEST_F(EcosystemTest, MultiRoundCarKeyWithSenderEndorsement) {
  ASSERT_FALSE(Enrol(*alice_stub_).empty());
  ASSERT_FALSE(Enrol(*bob_stub_).empty());
  const std::string car = MakeOwner(
      *alice_stub_, "car-1", ::common::v1::ASYMMETRIC, {"unlock", "drive"});
  ASSERT_FALSE(car.empty());
  const dv1::AcceptLinkResponse accepted = ShareMultiRoundAndAccept(car, {"unlock", "drive"});
  // Round 2 (key-signing request) went to alice through the relay; she
  // endorsed by herself (auto_answer); bob redeemed with the endorsement.
  ASSERT_EQ(accepted.outcome(), dv1::ACCEPT_PROVISIONED);
  EXPECT_TRUE(accepted.offer().endorsement_required());
  dv1::UseCredentialResponse drive =
      Use(*bob_stub_, accepted.credential_id(), "drive");
  EXPECT_TRUE(drive.granted()) << drive.reason() << " " << drive.detail();
}

TEST_F(EcosystemTest, MessengerPreviewBotFetchesFirstReceiverStillGetsKey) {
  ASSERT_FALSE(Enrol(*alice_stub_).empty());
  ASSERT_FALSE(Enrol(*bob_stub_).empty());
  const std::string car =
      MakeOwner(*alice_stub_, "car-1", ::common::v1::ASYMMETRIC, {"unlock"});
  ASSERT_FALSE(car.empty());
  dv1::ShareCredentialResponse share;
  {
    dv1::ShareCredentialRequest req;
    req.set_request_id(NewUuidV4());
    req.set_credential_id(car);
    req.set_channel(::common::v1::MESSENGER);
    req.set_from_address("alice-chat");
    req.set_to_address("bob-chat");
    req.set_vertical(::common::v1::VERTICAL_CAR);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice_stub_->ShareCredential(&ctx, req, &share);
    ASSERT_TRUE(s.ok()) << "ShareCredential: " << s.error_message();
  }
  ASSERT_FALSE(WaitForLink(::common::v1::MESSENGER, "bob-chat").empty());
  // The preview bot fetched the link (without its fragment) before bob.
  chv1::PreviewFetch fetch;
  {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (fetch.url().empty()) {
      chv1::GetDeliveryLogRequest req;
      req.set_kind(::common::v1::MESSENGER);
      chv1::GetDeliveryLogResponse r;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = channel_stub_->GetDeliveryLog(&ctx, req, &r);
      ASSERT_TRUE(s.ok()) << "GetDeliveryLog: " << s.error_message();
      if (r.preview_fetches_size() > 0) fetch = r.preview_fetches(0);
      if (!fetch.url().empty()) break;
      ASSERT_LT(absl::Now(), deadline) << "no preview fetch logged";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_EQ(fetch.http_status(), 200) << fetch.error();
  EXPECT_EQ(fetch.url().find('#'), std::string::npos) << "fragment fetched";
  EXPECT_NE(fetch.url().find(share.mailbox_id()), std::string::npos);

  dv1::AcceptLinkResponse accepted;
  {
    dv1::AcceptLinkRequest req;
    req.set_request_id(NewUuidV4());
    req.mutable_inbox()->set_channel(::common::v1::MESSENGER);
    req.mutable_inbox()->set_address("bob-chat");
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    grpc::Status s = bob_stub_->AcceptLink(&ctx, req, &accepted);
    ASSERT_TRUE(s.ok()) << "AcceptLink after preview: " << s.error_message();
  }
  ASSERT_EQ(accepted.outcome(), dv1::ACCEPT_PROVISIONED);
  dv1::UseCredentialResponse unlock =
      Use(*bob_stub_, accepted.credential_id(), "unlock");
  EXPECT_TRUE(unlock.granted()) << unlock.reason() << " " << unlock.detail();
}

// The same ecosystem, the devices reaching the relay only over the draft's
// HTTP API (HTTPS, verified against the dev root given as --tls_ca).
class EcosystemHttpRelayTest : public EcosystemTest {
 protected:
  bool DevicesUseHttpRelay() const override { return true; }

  // The relay's request counters (/metrics over HTTPS).
  std::string RelayMetrics() {
    httplib::Client client("https://" + Listening(relay_, "http"));
    client.set_ca_cert_path(Tmp("root.pem"));
    client.enable_server_certificate_verification(true);
    auto res = client.Get("/metrics");
    return res && res->status == 200 ? res->body : "";
  }
};

TEST_F(EcosystemHttpRelayTest, MultiRoundCarKeyOverTheDraftsHttpApi) {
  ASSERT_FALSE(Enrol(*alice_stub_).empty());
  ASSERT_FALSE(Enrol(*bob_stub_).empty());
  const std::string car = MakeOwner(
      *alice_stub_, "car-1", ::common::v1::ASYMMETRIC, {"unlock", "drive"});
  ASSERT_FALSE(car.empty());
  const dv1::AcceptLinkResponse accepted = ShareMultiRoundAndAccept(car, {"unlock"});
  ASSERT_EQ(accepted.outcome(), dv1::ACCEPT_PROVISIONED);
  dv1::UseCredentialResponse unlock = Use(*bob_stub_, accepted.credential_id(), "unlock");
  EXPECT_TRUE(unlock.granted()) << unlock.reason() << " " << unlock.detail();
  // Every relay call came over HTTP; the gRPC face answered none.
  const std::string metrics = RelayMetrics();
  EXPECT_TRUE(absl::StrContains(
      metrics, "transport=\"http\",operation=\"create_mailbox\",status=\"200\""))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, "transport=\"http\",operation=\"update_mailbox\",status=\"200\""));
  EXPECT_FALSE(absl::StrContains(metrics, "transport=\"grpc\",operation=\"create_mailbox\""));
  EXPECT_FALSE(absl::StrContains(metrics, "transport=\"grpc\",operation=\"read_secure"));
}

}  // namespace
}  // namespace sct::e2e
