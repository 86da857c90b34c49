// Service tests of the gRPC adapter: relay.v1.Relay on a real in-process
// server on 127.0.0.1:0 over the real MailboxService and both stores, with a
// FakeClock; plus the Echo baseline.
#include "relay/relay_grpc.h"

#include <memory>
#include <string>

#include "common/errors.h"
#include "common/rfc3339.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

namespace pb = ::relay::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::MakeTestStore;
using testing::RandomBytes;
using testing::StoreKind;

class RelayGrpcTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { Start(RelayLimits()); }

  void Start(RelayLimits limits) {
    if (server_) server_->Shutdown();
    store_ = MakeTestStore(GetParam());
    service_ = std::make_unique<MailboxService>(store_.get(), &clock_, &push_,
                                                "https://relay.example", limits);
    grpc_service_ = std::make_unique<RelayGrpcService>(service_.get(), &metrics_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(grpc_service_.get());
    builder.RegisterService(&echo_);
    builder.SetMaxReceiveMessageSize(RelayGrpcService::MaxMessageBytes(limits));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    stub_ = pb::Relay::NewStub(channel);
    echo_stub_ = pb::Echo::NewStub(channel);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  pb::CreateMailboxRequest CreateRequest(const std::string& claim, size_t bytes = 64) {
    pb::CreateMailboxRequest r;
    r.set_device_claim(claim);
    r.set_request_id(NewUuidV4());
    r.mutable_payload()->set_type("AEAD_AES_256_GCM");
    r.mutable_payload()->set_data(RandomBytes(bytes));
    r.mutable_display_information()->set_title("Hotel room 12");
    return r;
  }
  std::string Id(const pb::CreateMailboxResponse& r) {
    return r.url_link().substr(r.url_link().rfind('/') + 1);
  }
  grpc::Status Read(const std::string& id, const std::string& claim,
                    pb::ReadSecureContentResponse* out) {
    grpc::ClientContext ctx;
    pb::ReadSecureContentRequest r;
    r.set_mailbox_id(id);
    r.set_device_claim(claim);
    r.set_request_id(NewUuidV4());
    return stub_->ReadSecureContent(&ctx, r, out);
  }

  FakeClock clock_;
  FakePushNotifier push_{{"fake-oem"}};
  RelayMetrics metrics_;
  std::unique_ptr<MailboxStore> store_;
  std::unique_ptr<MailboxService> service_;
  std::unique_ptr<RelayGrpcService> grpc_service_;
  EchoGrpcService echo_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::Relay::Stub> stub_;
  std::unique_ptr<pb::Echo::Stub> echo_stub_;
};

TEST_P(RelayGrpcTest, FullShareCycle) {
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  pb::CreateMailboxRequest create = CreateRequest(sender);
  create.mutable_notification_token()->set_type("fake-oem");
  create.mutable_notification_token()->set_token_data("sender-token");
  create.mutable_mailbox_configuration()->set_access_rights("RWD");
  pb::CreateMailboxResponse created;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateMailbox(&ctx, create, &created).ok());
  }
  EXPECT_THAT(created.url_link(), StartsWith("https://relay.example/v1/m/"));
  EXPECT_TRUE(created.is_push_notification_supported());
  EXPECT_FALSE(created.repeated());
  const std::string id = Id(created);

  {
    grpc::ClientContext ctx;
    pb::ReadDisplayInformationRequest r;
    r.set_mailbox_id(id);
    pb::ReadDisplayInformationResponse out;
    ASSERT_TRUE(stub_->ReadDisplayInformation(&ctx, r, &out).ok());
    EXPECT_EQ(out.display_information().title(), "Hotel room 12");
    EXPECT_EQ(out.url_link(), created.url_link());
  }

  pb::ReadSecureContentResponse read;
  ASSERT_TRUE(Read(id, receiver, &read).ok());
  EXPECT_EQ(read.payload().data(), create.payload().data());
  EXPECT_EQ(read.payload().type(), "AEAD_AES_256_GCM");
  EXPECT_EQ(read.expiration(), FormatRfc3339(clock_.Now() + absl::Hours(48)));

  pb::UpdateMailboxRequest update;
  update.set_mailbox_id(id);
  update.set_device_claim(receiver);
  update.set_request_id(NewUuidV4());
  update.mutable_payload()->set_type("AEAD_AES_256_GCM");
  update.mutable_payload()->set_data(RandomBytes(40));
  update.mutable_notification_token()->set_type("fake-oem");
  update.mutable_notification_token()->set_token_data("receiver-token");
  {
    grpc::ClientContext ctx;
    pb::UpdateMailboxResponse out;
    ASSERT_TRUE(stub_->UpdateMailbox(&ctx, update, &out).ok());
    EXPECT_FALSE(out.repeated());
    EXPECT_TRUE(out.is_push_notification_supported());
  }
  {  // Same request id again: OK, repeated, nothing changed.
    grpc::ClientContext ctx;
    pb::UpdateMailboxResponse out;
    pb::UpdateMailboxRequest again = update;
    again.mutable_payload()->set_data(RandomBytes(40));
    ASSERT_TRUE(stub_->UpdateMailbox(&ctx, again, &out).ok());
    EXPECT_TRUE(out.repeated());
  }
  ASSERT_FALSE(push_.sent().empty());
  EXPECT_EQ(push_.sent().back().token.token_data, "sender-token");

  pb::ReadSecureContentResponse reply;
  ASSERT_TRUE(Read(id, sender, &reply).ok());
  EXPECT_EQ(reply.payload().data(), update.payload().data());

  // A third claim: UNAUTHENTICATED with the stable reason.
  pb::ReadSecureContentResponse ignored;
  grpc::Status wrong = Read(id, NewUuidV4(), &ignored);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(wrong)), "claim_mismatch");

  {
    grpc::ClientContext ctx;
    pb::RelinquishMailboxRequest r;
    r.set_mailbox_id(id);
    r.set_device_claim(receiver);
    r.set_request_id(NewUuidV4());
    pb::RelinquishMailboxResponse out;
    ASSERT_TRUE(stub_->RelinquishMailbox(&ctx, r, &out).ok());
  }
  {
    grpc::ClientContext ctx;
    pb::DeleteMailboxRequest r;
    r.set_mailbox_id(id);
    r.set_device_claim(sender);
    r.set_request_id(NewUuidV4());
    pb::DeleteMailboxResponse out;
    ASSERT_TRUE(stub_->DeleteMailbox(&ctx, r, &out).ok());
  }
  grpc::Status gone = Read(id, receiver, &ignored);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(gone)), "mailbox_not_found");
  EXPECT_EQ(metrics_.RequestCount("grpc", "create_mailbox", "OK"), 1);
}

TEST_P(RelayGrpcTest, RepeatedCreateIsFlaggedAndCreatesNothing) {
  const std::string sender = NewUuidV4();
  pb::CreateMailboxRequest create = CreateRequest(sender);
  pb::CreateMailboxResponse first, second;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateMailbox(&ctx, create, &first).ok());
  }
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateMailbox(&ctx, create, &second).ok());
  }
  EXPECT_TRUE(second.repeated());
  EXPECT_EQ(second.url_link(), first.url_link());
  // The relay's default TTL (48 h), which the request did not set.
  EXPECT_EQ(first.expiration(), FormatRfc3339(clock_.Now() + absl::Hours(48)));
  EXPECT_EQ(second.expiration(), first.expiration());
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_P(RelayGrpcTest, ExpiryWithFakeClock) {
  pb::CreateMailboxRequest create = CreateRequest(NewUuidV4());
  create.mutable_mailbox_configuration()->set_expiration(
      FormatRfc3339(clock_.Now() + absl::Minutes(10)));
  pb::CreateMailboxResponse created;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateMailbox(&ctx, create, &created).ok());
  }
  EXPECT_EQ(created.expiration(), create.mailbox_configuration().expiration());
  pb::ReadSecureContentResponse out;
  clock_.Advance(absl::Minutes(10) - absl::Seconds(1));
  EXPECT_TRUE(Read(Id(created), NewUuidV4(), &out).ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Read(Id(created), NewUuidV4(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(RelayGrpcTest, BadInputNamesTheField) {
  struct Case {
    std::string name;
    std::function<void(pb::CreateMailboxRequest&)> mutate;
    grpc::StatusCode code;
    std::string field;
  };
  std::vector<Case> cases = {
      {"no_payload", [](auto& r) { r.clear_payload(); }, grpc::StatusCode::INVALID_ARGUMENT,
       "payload"},
      {"bad_type", [](auto& r) { r.mutable_payload()->set_type("DES"); },
       grpc::StatusCode::INVALID_ARGUMENT, "payload.type"},
      {"short_data", [](auto& r) { r.mutable_payload()->set_data("short"); },
       grpc::StatusCode::INVALID_ARGUMENT, "payload.data"},
      {"no_claim", [](auto& r) { r.clear_device_claim(); }, grpc::StatusCode::UNAUTHENTICATED,
       "device_claim"},
      {"bad_claim", [](auto& r) { r.set_device_claim("nope"); },
       grpc::StatusCode::INVALID_ARGUMENT, "device_claim"},
      {"bad_request_id", [](auto& r) { r.set_request_id("1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "request_id"},
      {"bad_rights", [](auto& r) { r.mutable_mailbox_configuration()->set_access_rights("RX"); },
       grpc::StatusCode::INVALID_ARGUMENT, "access_rights"},
      {"bad_expiration",
       [](auto& r) { r.mutable_mailbox_configuration()->set_expiration("next week"); },
       grpc::StatusCode::INVALID_ARGUMENT, "expiration"},
      {"token_without_type",
       [](auto& r) { r.mutable_notification_token()->set_token_data("x"); },
       grpc::StatusCode::INVALID_ARGUMENT, "notification_token.type"},
      {"payload_too_large",
       [](auto& r) { r.mutable_payload()->set_data(RandomBytes(64 * 1024 + 1)); },
       grpc::StatusCode::RESOURCE_EXHAUSTED, "payload"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    pb::CreateMailboxRequest r = CreateRequest(NewUuidV4());
    c.mutate(r);
    grpc::ClientContext ctx;
    pb::CreateMailboxResponse out;
    grpc::Status s = stub_->CreateMailbox(&ctx, r, &out);
    EXPECT_EQ(s.error_code(), c.code) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }
  EXPECT_EQ(*store_->Count(), 0);
  pb::ReadSecureContentResponse out;
  grpc::Status bad_id = Read("../etc/passwd", NewUuidV4(), &out);
  EXPECT_EQ(bad_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_id.error_message(), HasSubstr("mailboxId"));
}

TEST_P(RelayGrpcTest, RateLimitIsResourceExhausted) {
  RelayLimits limits;
  limits.creates_per_window = 2;
  Start(limits);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    pb::CreateMailboxResponse out;
    ASSERT_TRUE(stub_->CreateMailbox(&ctx, CreateRequest(NewUuidV4()), &out).ok());
  }
  grpc::ClientContext ctx;
  pb::CreateMailboxResponse out;
  grpc::Status s = stub_->CreateMailbox(&ctx, CreateRequest(NewUuidV4()), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "rate_limited");
}

TEST_P(RelayGrpcTest, EchoReturnsTheData) {
  grpc::ClientContext ctx;
  pb::EchoRequest r;
  r.set_data(RandomBytes(1000));
  pb::EchoResponse out;
  ASSERT_TRUE(echo_stub_->Echo(&ctx, r, &out).ok());
  EXPECT_EQ(out.data(), r.data());
}

TEST(RelayGrpcPeerTest, ClientAddressFromGrpcPeer) {
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv4:127.0.0.1:5555"), "127.0.0.1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv6:[::1]:5555"), "::1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv6:%5B::1%5D:5555"), "::1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("unix:/tmp/s"), "unix:/tmp/s");
}

INSTANTIATE_TEST_SUITE_P(Stores, RelayGrpcTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite),
                         [](const auto& info) { return testing::StoreKindName(info.param); });

}  // namespace
}  // namespace sct::relay
