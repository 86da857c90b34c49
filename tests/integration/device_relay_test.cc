// Cross-service test: two DeviceAgents, each behind its real gRPC adapter on
// port 0, share and accept through the REAL relay (MailboxService +
// RelayGrpcService over gRPC on port 0, memory store), with the device's fake
// OEM and fake channel. Relay pushes (FakePushNotifier) are forwarded to the
// devices by hand. It lives here because it links both services' code, which
// neither service package may do.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "common/base64.h"
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
#include "relay/memory_mailbox_store.h"
#include "relay/relay_grpc.h"
#include "runtime/grpc_server.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace cv = ::common::v1;

struct Node {
  std::unique_ptr<SecureElement> se;
  std::unique_ptr<DeviceAgent> agent;
  std::unique_ptr<DeviceAgentGrpcService> service;
  std::unique_ptr<GrpcServer> server;
  std::unique_ptr<dv::DeviceAgent::Stub> client;
};

class DeviceServiceTest : public ::testing::Test {
 protected:
  DeviceServiceTest()
      : oem_("oem-a", &device_clock_, &log_),
        channel_(&log_),
        push_({"oem-a"}),
        relay_service_(&store_, &relay_clock_, &push_, "https://relay.test", relay::RelayLimits()),
        relay_grpc_(&relay_service_, nullptr) {}

  void SetUp() override {
    GrpcServerOptions options;
    options.services = {&relay_grpc_};
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
    return n;
  }

  template <typename Req, typename Resp, typename Fn>
  absl::Status Call(Fn fn, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    return FromGrpcStatus(fn(&ctx, req, resp));
  }

  void ForwardPushes(std::initializer_list<Node*> nodes) {
    auto all = push_.sent();
    for (; forwarded_ < all.size(); ++forwarded_) {
      ::oem::v1::DeviceNotification n;
      n.set_kind(::oem::v1::MAILBOX_CHANGED);
      n.set_mailbox_id(all[forwarded_].mailbox_id);
      n.set_token_data(all[forwarded_].token.token_data);
      for (Node* node : nodes) node->agent->HandleNotification(n);
    }
  }

  FakeClock device_clock_;
  FakeClock relay_clock_;
  testing::CallLog log_;
  testing::FakeOem oem_;
  testing::FakeChannel channel_;
  relay::MemoryMailboxStore store_;
  relay::FakePushNotifier push_;
  relay::MailboxService relay_service_;
  relay::RelayGrpcService relay_grpc_;
  std::unique_ptr<GrpcServer> relay_server_;
  std::unique_ptr<::relay::v1::Relay::Stub> relay_stub_;
  size_t forwarded_ = 0;
};

// Enrols `n` over its gRPC API and installs an owner credential; returns its id.
std::string Bootstrap(Node& n, testing::FakeOem& oem) {
  grpc::ClientContext c1, c2, c3;
  dv::EnrolResponse enrolled;
  EXPECT_TRUE(n.client->Enrol(&c1, dv::EnrolRequest(), &enrolled).ok());
  dv::PrepareKeyResponse key;
  EXPECT_TRUE(n.client->PrepareKey(&c2, dv::PrepareKeyRequest(), &key).ok());
  cv::Credential cred =
      oem.IssueOwnerCredential(key.public_key(), cv::ASYMMETRIC, {"unlock", "drive"}, "car-1");
  dv::InstallCredentialRequest install;
  install.set_key_id(key.key_id());
  *install.mutable_credential() = cred;
  install.set_label("Alice's car");
  dv::InstallCredentialResponse installed;
  EXPECT_TRUE(n.client->InstallCredential(&c3, install, &installed).ok());
  return cred.credential_id();
}

TEST_F(DeviceServiceTest, ShareAndAcceptThroughTheRealRelay) {
  auto alice = Start("+15550001");
  auto bob = Start("+15550002");
  const std::string cred = Bootstrap(*alice, oem_);
  grpc::ClientContext e;
  dv::EnrolResponse er;
  ASSERT_TRUE(bob->client->Enrol(&e, dv::EnrolRequest(), &er).ok());

  dv::ShareCredentialRequest share;
  share.set_request_id(NewUuidV4());
  share.set_credential_id(cred);
  share.add_entitlements("unlock");
  share.set_channel(cv::SMS);
  share.set_to_address("+15550002");
  share.set_vertical(cv::VERTICAL_CAR);
  dv::ShareCredentialResponse shared;
  grpc::ClientContext c1;
  grpc::Status st = alice->client->ShareCredential(&c1, share, &shared);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(absl::StartsWith(shared.link_without_fragment(), "https://relay.test/v1/m/"));
  EXPECT_TRUE(absl::EndsWith(shared.link_without_fragment(), "?v=c"));

  // The relay's public preview is neutral: no label, no address, no persona.
  ::relay::v1::ReadDisplayInformationRequest preview_req;
  preview_req.set_mailbox_id(shared.mailbox_id());
  ::relay::v1::ReadDisplayInformationResponse preview;
  grpc::ClientContext c2;
  ASSERT_TRUE(relay_stub_->ReadDisplayInformation(&c2, preview_req, &preview).ok());
  const std::string shown = preview.SerializeAsString();
  EXPECT_FALSE(absl::StrContains(shown, "Alice"));
  EXPECT_FALSE(absl::StrContains(shown, "+1555"));

  dv::AcceptLinkRequest accept;
  accept.set_request_id(NewUuidV4());
  accept.mutable_inbox()->set_channel(cv::SMS);
  accept.mutable_inbox()->set_address("+15550002");
  dv::AcceptLinkResponse accepted;
  grpc::ClientContext c3;
  st = bob->client->AcceptLink(&c3, accept, &accepted);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(accepted.outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(accepted.offer().label(), "Alice's car");
  EXPECT_EQ(oem_.redemptions(), 1);

  // Bob deleted the mailbox; the relay pushed Alice, who marks the share completed.
  ForwardPushes({alice.get(), bob.get()});
  dv::GetStateResponse state;
  grpc::ClientContext c4;
  ASSERT_TRUE(alice->client->GetState(&c4, dv::GetStateRequest(), &state).ok());
  ASSERT_EQ(state.personas(0).mailboxes_size(), 1);
  EXPECT_EQ(state.personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);

  // A second read of the link (e.g. an interceptor replaying it) finds nothing.
  dv::AcceptLinkRequest replay;
  std::string body = channel_.Inbox("+15550002").back().body();
  replay.set_link(body.substr(body.find("https://")));
  auto eve = Start("+15550009");
  grpc::ClientContext c5, c6;
  ASSERT_TRUE(eve->client->Enrol(&c5, dv::EnrolRequest(), &er).ok());
  st = eve->client->AcceptLink(&c6, replay, &accepted);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DeviceServiceTest, MultiRoundThroughTheRealRelayWithPushes) {
  auto alice = Start("+15550001");
  auto bob = Start("+15550002");
  const std::string cred = Bootstrap(*alice, oem_);
  grpc::ClientContext e;
  dv::EnrolResponse er;
  ASSERT_TRUE(bob->client->Enrol(&e, dv::EnrolRequest(), &er).ok());
  dv::ShareCredentialRequest share;
  share.set_credential_id(cred);
  share.set_channel(cv::MESSENGER);
  share.set_to_address("bob");
  share.set_multi_round(true);
  share.set_auto_answer(true);
  dv::ShareCredentialResponse shared;
  grpc::ClientContext c1;
  grpc::Status st = alice->client->ShareCredential(&c1, share, &shared);
  ASSERT_TRUE(st.ok()) << st.error_message();
  dv::AcceptLinkRequest accept;
  accept.mutable_inbox()->set_channel(cv::MESSENGER);
  accept.mutable_inbox()->set_address("bob");
  dv::AcceptLinkResponse accepted;
  grpc::ClientContext c2;
  st = bob->client->AcceptLink(&c2, accept, &accepted);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(accepted.outcome(), dv::ACCEPT_AWAITING_SENDER);
  for (int i = 0; i < 4; ++i) ForwardPushes({alice.get(), bob.get()});
  EXPECT_EQ(oem_.redemptions(), 1);
  dv::GetStateResponse bob_state, alice_state;
  grpc::ClientContext c3, c4;
  ASSERT_TRUE(bob->client->GetState(&c3, dv::GetStateRequest(), &bob_state).ok());
  ASSERT_TRUE(alice->client->GetState(&c4, dv::GetStateRequest(), &alice_state).ok());
  EXPECT_EQ(bob_state.personas(0).credentials_size(), 1);
  EXPECT_EQ(alice_state.personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  // Alice deleted the mailbox after reading Bob's completion.
  ::relay::v1::ReadDisplayInformationRequest probe;
  probe.set_mailbox_id(shared.mailbox_id());
  ::relay::v1::ReadDisplayInformationResponse gone;
  grpc::ClientContext c5;
  EXPECT_EQ(relay_stub_->ReadDisplayInformation(&c5, probe, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace sct::device
