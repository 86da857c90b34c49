// Cross-service test of the active malicious relay (relay/malicious): real
// DeviceAgents, each behind its real gRPC adapter on port 0, share and
// accept through the REAL relay gRPC face on port 0 whose service is the
// honest MailboxService wrapped in MaliciousMailboxService (memory store),
// with the device's fake OEM and fake channel. Each test switches one
// behaviour on and asserts the detection a user relies on; each names the
// device check it depends on: remove that check and the test fails (the
// exchange would hang in FLOW_AWAITING_SENDER, or the accept would
// succeed or fail otherwise).
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "device/device_agent.h"
#include "device/device_grpc.h"
#include "device/fake_services.h"
#include "gtest/gtest.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/malicious/malicious_mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/relay_grpc.h"
#include "runtime/grpc_server.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace cv = ::common::v1;
using relay::malicious::Behaviour;

struct Node {
  std::unique_ptr<SecureElement> se;
  std::unique_ptr<DeviceAgent> agent;
  std::unique_ptr<DeviceAgentGrpcService> service;
  std::unique_ptr<GrpcServer> server;
  std::unique_ptr<dv::DeviceAgent::Stub> client;
};

class MaliciousRelayTest : public ::testing::Test {
 protected:
  MaliciousRelayTest()
      : oem_("oem-a", &device_clock_, &log_),
        channel_(&log_),
        push_({"oem-a"}),
        honest_(&store_, &relay_clock_, &push_, "https://relay.test", relay::RelayLimits()) {}

  // Starts the relay with `behaviour` switched on.
  void StartRelay(Behaviour behaviour) {
    malicious_ = std::make_unique<relay::malicious::MaliciousMailboxService>(
        &honest_, &store_, &relay_clock_, relay::malicious::Behaviours{behaviour});
    relay_grpc_ = std::make_unique<relay::RelayGrpcService>(malicious_.get(), nullptr);
    GrpcServerOptions options;
    options.services = {relay_grpc_.get()};
    auto server = GrpcServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    relay_server_ = *std::move(server);
    relay_stub_ = ::relay::v1::Relay::NewStub(
        grpc::CreateChannel(relay_server_->address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<Node> Start(const std::string& address) {
    auto n = std::make_unique<Node>();
    n->se = *SecureElement::Open("");
    DeviceAgentOptions options;
    options.oem_id = "oem-a";
    options.address = address;
    DeviceAgentDeps deps;
    deps.clock = &device_clock_;
    deps.secure_element = n->se.get();
    deps.oem = &oem_;
    deps.relay = relay_stub_.get();
    deps.channel = &channel_;
    n->agent = *DeviceAgent::Create(options, deps);
    n->service = std::make_unique<DeviceAgentGrpcService>(n->agent.get());
    GrpcServerOptions server_options;
    server_options.services = {n->service.get()};
    n->server = *GrpcServer::Start(server_options);
    n->client = dv::DeviceAgent::NewStub(
        grpc::CreateChannel(n->server->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext c;
    dv::EnrolResponse enrolled;
    EXPECT_TRUE(n->client->Enrol(&c, dv::EnrolRequest(), &enrolled).ok());
    return n;
  }

  // Installs an owner credential on `n`; returns its id.
  std::string Bootstrap(Node& n) {
    grpc::ClientContext c1, c2;
    dv::PrepareKeyResponse key;
    EXPECT_TRUE(n.client->PrepareKey(&c1, dv::PrepareKeyRequest(), &key).ok());
    cv::Credential cred =
        oem_.IssueOwnerCredential(key.public_key(), cv::ASYMMETRIC, {"unlock"}, "car-1");
    dv::InstallCredentialRequest install;
    install.set_key_id(key.key_id());
    *install.mutable_credential() = cred;
    install.set_label("Alice's car");
    dv::InstallCredentialResponse installed;
    EXPECT_TRUE(n.client->InstallCredential(&c2, install, &installed).ok());
    return cred.credential_id();
  }

  // Alice shares `cred` with the MESSENGER address `to`; the mailbox id.
  std::string Share(Node& alice, const std::string& cred, const std::string& to,
                    bool multi_round) {
    dv::ShareCredentialRequest share;
    share.set_request_id(NewUuidV4());
    share.set_credential_id(cred);
    share.set_channel(cv::MESSENGER);
    share.set_to_address(to);
    share.set_multi_round(multi_round);
    share.set_auto_answer(true);
    dv::ShareCredentialResponse shared;
    grpc::ClientContext c;
    grpc::Status st = alice.client->ShareCredential(&c, share, &shared);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return shared.mailbox_id();
  }

  absl::StatusOr<dv::AcceptLinkResponse> Accept(Node& n, const std::string& address) {
    dv::AcceptLinkRequest accept;
    accept.set_request_id(NewUuidV4());
    accept.mutable_inbox()->set_channel(cv::MESSENGER);
    accept.mutable_inbox()->set_address(address);
    dv::AcceptLinkResponse accepted;
    grpc::ClientContext c;
    grpc::Status st = n.client->AcceptLink(&c, accept, &accepted);
    if (!st.ok()) return FromGrpcStatus(st);
    return accepted;
  }

  // The push a relay sends the bound receiver of `mailbox_id` when the
  // mailbox changed: the receiver reads it (DeviceAgent's push path).
  void NotifyReceiver(Node& n, const std::string& mailbox_id) {
    auto m = store_.Get(mailbox_id, relay_clock_.Now());
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(m->receiver_token.has_value());
    ::oem::v1::DeviceNotification note;
    note.set_kind(::oem::v1::MAILBOX_CHANGED);
    note.set_mailbox_id(mailbox_id);
    note.set_token_data(m->receiver_token->token_data);
    n.agent->HandleNotification(note);
  }

  // The flow state and reason of `n`'s only exchange in `mailbox_id`.
  std::pair<dv::FlowState, std::string> FlowOf(Node& n, const std::string& mailbox_id) {
    grpc::ClientContext c;
    dv::GetStateResponse state;
    EXPECT_TRUE(n.client->GetState(&c, dv::GetStateRequest(), &state).ok());
    for (const auto& m : state.personas(0).mailboxes()) {
      if (m.mailbox_id() == mailbox_id) return {m.state(), m.last_reason()};
    }
    return {dv::FLOW_STATE_UNSPECIFIED, "no such exchange"};
  }

  FakeClock device_clock_;
  FakeClock relay_clock_;
  testing::CallLog log_;
  testing::FakeOem oem_;
  testing::FakeChannel channel_;
  relay::MemoryMailboxStore store_;
  relay::FakePushNotifier push_;
  relay::MailboxService honest_;
  std::unique_ptr<relay::malicious::MaliciousMailboxService> malicious_;
  std::unique_ptr<relay::RelayGrpcService> relay_grpc_;
  std::unique_ptr<GrpcServer> relay_server_;
  std::unique_ptr<::relay::v1::Relay::Stub> relay_stub_;
};

// Depends on the AEAD check of MailboxIo::Open (crypto::OpenMailboxPayload,
// AES-GCM under the link's secret): Bob's link opens only share-1's
// ciphertext, and the relay served share-2's.
TEST_F(MaliciousRelayTest, SwappedPayloadFailsTheAeadCheck) {
  StartRelay(Behaviour::kSwapPayloads);
  auto alice = Start("alice");
  auto bob = Start("bob");
  auto carol = Start("carol");
  const std::string cred = Bootstrap(*alice);
  Share(*alice, cred, "bob", false);
  Share(*alice, cred, "carol", false);
  for (Node* n : {bob.get(), carol.get()}) {
    absl::StatusOr<dv::AcceptLinkResponse> accepted = Accept(*n, n == bob.get() ? "bob" : "carol");
    EXPECT_EQ(accepted.status().code(), absl::StatusCode::kPermissionDenied) << accepted.status();
    EXPECT_EQ(ReasonOf(accepted.status()), "decrypt_failed");
  }
  EXPECT_EQ(oem_.redemptions(), 0);
}

// Depends on CheckNoRollback (device/mailbox_io.h) in
// DeviceAgent::ProcessChangeLocked: Bob wrote round 2, and the relay serves
// round 1 again; the round counter is inside the sealed payload.
TEST_F(MaliciousRelayTest, ReplayedRoundIsARollback) {
  StartRelay(Behaviour::kReplayRound);
  auto alice = Start("alice");
  auto bob = Start("bob");
  const std::string mailbox = Share(*alice, Bootstrap(*alice), "bob", true);
  absl::StatusOr<dv::AcceptLinkResponse> accepted = Accept(*bob, "bob");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_AWAITING_SENDER);
  NotifyReceiver(*bob, mailbox);
  EXPECT_EQ(FlowOf(*bob, mailbox),
            std::make_pair(dv::FLOW_FAILED, std::string("round_rollback")));
  EXPECT_EQ(oem_.redemptions(), 0);
}

// Depends on the same CheckNoRollback: the relay acknowledged Bob's round 2
// and never stored it, so Bob reads round 1 where round 2 should be.
TEST_F(MaliciousRelayTest, DroppedRoundIsARollback) {
  StartRelay(Behaviour::kDropRound);
  auto alice = Start("alice");
  auto bob = Start("bob");
  const std::string mailbox = Share(*alice, Bootstrap(*alice), "bob", true);
  absl::StatusOr<dv::AcceptLinkResponse> accepted = Accept(*bob, "bob");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_AWAITING_SENDER);
  NotifyReceiver(*bob, mailbox);
  EXPECT_EQ(FlowOf(*bob, mailbox),
            std::make_pair(dv::FLOW_FAILED, std::string("round_rollback")));
  EXPECT_EQ(oem_.redemptions(), 0);
}

// Undetected, and stated so: a second reader of a bound mailbox gets the
// genuine content and provisions; only the single-use token stops the first
// reader afterwards. Nothing in the device can tell this from the second
// reader having read first.
TEST_F(MaliciousRelayTest, SecondReaderIsServedAndNotDetected) {
  StartRelay(Behaviour::kServeSecondReader);
  auto alice = Start("alice");
  auto bob = Start("bob");
  auto eve = Start("eve");
  Share(*alice, Bootstrap(*alice), "bob", false);
  const std::string link = channel_.Inbox("bob").back().body();
  dv::AcceptLinkRequest read_only;
  read_only.mutable_inbox()->set_channel(cv::MESSENGER);
  read_only.mutable_inbox()->set_address("bob");
  read_only.set_manual_rounds(true);
  dv::AcceptLinkResponse bound;
  grpc::ClientContext c1;
  ASSERT_TRUE(bob->client->AcceptLink(&c1, read_only, &bound).ok());
  dv::AcceptLinkRequest stolen;
  stolen.set_link(link.substr(link.find("https://")));
  dv::AcceptLinkResponse taken;
  grpc::ClientContext c2;
  grpc::Status st = eve->client->AcceptLink(&c2, stolen, &taken);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(taken.outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(oem_.redemptions(), 1);
}

// Undetected, and stated so: with ignore_binding a link holder who is not
// the bound receiver may also write. Eve's key-signing request lands in
// Bob's mailbox as a genuine round 2, Alice (who cannot tell whose key it
// is: the receiver attestation proves a real device key, not Bob's)
// endorses it, and Eve provisions.
TEST_F(MaliciousRelayTest, IgnoredBindingLetsALinkHolderBeEndorsed) {
  StartRelay(Behaviour::kIgnoreBinding);
  auto alice = Start("alice");
  auto bob = Start("bob");
  auto eve = Start("eve");
  const std::string mailbox = Share(*alice, Bootstrap(*alice), "bob", true);
  const std::string link = channel_.Inbox("bob").back().body();
  dv::AcceptLinkRequest read_only;
  read_only.mutable_inbox()->set_channel(cv::MESSENGER);
  read_only.mutable_inbox()->set_address("bob");
  read_only.set_manual_rounds(true);
  dv::AcceptLinkResponse bound;
  grpc::ClientContext c1;
  ASSERT_TRUE(bob->client->AcceptLink(&c1, read_only, &bound).ok());

  dv::AcceptLinkRequest stolen;
  stolen.set_link(link.substr(link.find("https://")));
  dv::AcceptLinkResponse taken;
  grpc::ClientContext c2;
  grpc::Status st = eve->client->AcceptLink(&c2, stolen, &taken);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(taken.outcome(), dv::ACCEPT_AWAITING_SENDER);

  dv::ReplyRequest approve;
  approve.set_request_id(NewUuidV4());
  approve.set_mailbox_id(mailbox);
  approve.set_action(dv::REPLY_APPROVE);
  dv::ReplyResponse approved;
  grpc::ClientContext c3;
  st = alice->client->Reply(&c3, approve, &approved);
  ASSERT_TRUE(st.ok()) << st.error_message();

  dv::ReplyRequest complete;
  complete.set_request_id(NewUuidV4());
  complete.set_mailbox_id(mailbox);
  complete.set_action(dv::REPLY_COMPLETE);
  dv::ReplyResponse completed;
  grpc::ClientContext c4;
  st = eve->client->Reply(&c4, complete, &completed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(completed.credential_id().empty());
  EXPECT_EQ(oem_.redemptions(), 1);
  EXPECT_EQ(FlowOf(*eve, mailbox).first, dv::FLOW_PROVISIONED);
}

}  // namespace
}  // namespace sct::device
