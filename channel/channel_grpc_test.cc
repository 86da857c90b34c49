// Service tier: the real gRPC adapter on an in-process server on port 0,
// the logic on a FakeClock (deliveries driven by hand).
#include "channel/channel_grpc.h"

#include <memory>
#include <string>

#include "channel/channel_service.h"
#include "channel/fake_http_fetcher.h"
#include "common/clock.h"
#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "common/status_mapping.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/channel/v1/channel.grpc.pb.h"

namespace sct::channel {
namespace {

namespace pb = ::channel::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ChannelGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ =
        std::make_unique<ChannelService>(&clock_, &scheduler_, &fetcher_, ChannelServiceOptions());
    grpc_service_ = std::make_unique<ChannelGrpcService>(service_.get());
    GrpcServerOptions options;
    options.services = {grpc_service_.get()};
    auto server = GrpcServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = pb::Channel::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    service_->Shutdown();
    server_->Shutdown();
  }
  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
  }
  absl::Status Send(common::v1::ChannelKind kind, const std::string& to, const std::string& body,
                    pb::SendResponse* response) {
    pb::SendRequest request;
    request.set_kind(kind);
    request.set_from("alice");
    request.set_to(to);
    request.set_body(body);
    return FromGrpcStatus(stub_->Send(Context().get(), request, response));
  }

  FakeClock clock_;
  Scheduler scheduler_{&clock_};
  FakeHttpFetcher fetcher_;
  std::unique_ptr<ChannelService> service_;
  std::unique_ptr<ChannelGrpcService> grpc_service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<pb::Channel::Stub> stub_;
};

TEST_F(ChannelGrpcTest, SendAndReceive) {
  pb::SendResponse sent;
  const std::string link =
      "https://relay.example/v1/m/0b7e1a52-3c1f-4a2e-9d6b-1f2e3d4c5b6a?v=c#AAAAAAAAAAAAAAAAAAAAAA";
  ASSERT_TRUE(Send(common::v1::SMS, "+1666", "Key: " + link, &sent).ok());
  EXPECT_EQ(sent.body_length(), 5u + link.size());
  EXPECT_EQ(sent.max_body_length(), 160u);
  EXPECT_EQ(sent.sms_segments(), 1u);
  EXPECT_EQ(sent.sms_encoding(), "GSM-7");
  EXPECT_THAT(sent.link_lengths(), ElementsAre(90u));
  pb::ReceiveRequest request;
  request.set_kind(common::v1::SMS);
  request.set_address("+1666");
  pb::ReceiveResponse received;
  ASSERT_TRUE(stub_->Receive(Context().get(), request, &received).ok());
  ASSERT_EQ(received.messages_size(), 1);
  EXPECT_EQ(received.messages(0).body(), "Key: " + link);
  EXPECT_EQ(received.messages(0).message_id(), sent.message_id());
  EXPECT_EQ(received.messages(0).kind(), common::v1::SMS);
  EXPECT_EQ(received.messages(0).sent_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(received.last_sequence(), 1u);
}

// What the retention rule dropped reaches the client: Receive's `dropped`
// and the delivery log's counters (docs/channel.md "Retention").
TEST_F(ChannelGrpcTest, DroppedMessagesAreCountedOverTheWire) {
  pb::SendResponse sent;
  ASSERT_TRUE(Send(common::v1::EMAIL, "bob", "old", &sent).ok());
  clock_.Advance(absl::Hours(2));  // past the default retention of an hour
  ASSERT_TRUE(Send(common::v1::EMAIL, "bob", "new", &sent).ok());
  pb::ReceiveRequest request;
  request.set_kind(common::v1::EMAIL);
  request.set_address("bob");
  pb::ReceiveResponse received;
  ASSERT_TRUE(stub_->Receive(Context().get(), request, &received).ok());
  ASSERT_EQ(received.messages_size(), 1);
  EXPECT_EQ(received.messages(0).body(), "new");
  EXPECT_EQ(received.messages(0).sequence(), 2u);
  EXPECT_EQ(received.dropped(), 1u);
  EXPECT_EQ(received.last_sequence(), 2u);
  pb::GetDeliveryLogRequest log_request;
  log_request.set_kind(common::v1::EMAIL);
  pb::GetDeliveryLogResponse log;
  ASSERT_TRUE(stub_->GetDeliveryLog(Context().get(), log_request, &log).ok());
  EXPECT_EQ(log.deliveries_size(), 1);
  EXPECT_EQ(log.dropped_deliveries(), 1u);
  EXPECT_EQ(log.dropped_inbox_messages(), 1u);
  EXPECT_EQ(log.dropped_preview_fetches(), 0u);
}

TEST_F(ChannelGrpcTest, ErrorsCarryCodeAndReason) {
  pb::SendResponse sent;
  absl::Status status = Send(common::v1::CHANNEL_KIND_UNSPECIFIED, "b", "x", &sent);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(status), "invalid_field");
  EXPECT_THAT(status.message(), HasSubstr("kind"));
  status = Send(common::v1::SMS, "b", std::string(200, 'x'), &sent);
  EXPECT_EQ(ReasonOf(status), "body_too_long");
  EXPECT_THAT(status.message(), HasSubstr("200"));
  pb::ReceiveRequest request;
  request.set_kind(common::v1::EMAIL);
  request.set_address("b");
  request.set_after_sequence(3);
  pb::ReceiveResponse received;
  status = FromGrpcStatus(stub_->Receive(Context().get(), request, &received));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReasonOf(status), "cursor_in_future");
  pb::ConfigureRequest configure;
  configure.set_kind(common::v1::EMAIL);
  configure.mutable_config()->mutable_delay()->set_seconds(-5);
  pb::ConfigureResponse configured;
  status = FromGrpcStatus(stub_->Configure(Context().get(), configure, &configured));
  EXPECT_EQ(ReasonOf(status), "invalid_field");
  EXPECT_THAT(status.message(), HasSubstr("config.delay"));
}

TEST_F(ChannelGrpcTest, ConfigureReturnsTheEffectiveConfiguration) {
  pb::ConfigureRequest request;
  request.set_kind(common::v1::SMS);
  request.mutable_config()->mutable_delay()->set_seconds(3);
  request.mutable_config()->mutable_delay()->set_nanos(500000000);
  request.mutable_config()->set_loss_probability(0.25);
  pb::ConfigureResponse response;
  ASSERT_TRUE(stub_->Configure(Context().get(), request, &response).ok());
  EXPECT_EQ(response.config().max_body_length(), 160u);  // default filled in
  EXPECT_EQ(response.config().delay().seconds(), 3);
  EXPECT_EQ(response.config().delay().nanos(), 500000000);
  EXPECT_DOUBLE_EQ(response.config().loss_probability(), 0.25);
  EXPECT_EQ(service_->GetConfig(ChannelKind::kSms).delay, absl::Milliseconds(3500));
}

TEST_F(ChannelGrpcTest, WatchAndTapStreamAndEndCleanlyOnShutdown) {
  ChannelConfig delayed;
  delayed.delay = absl::Seconds(10);
  ASSERT_TRUE(service_->Configure(ChannelKind::kMessenger, delayed).ok());

  pb::WatchInboxRequest watch_request;
  watch_request.set_kind(common::v1::MESSENGER);
  watch_request.set_address("bob");
  auto watch_context = Context();
  auto watch = stub_->WatchInbox(watch_context.get(), watch_request);
  pb::TapRequest tap_request;
  tap_request.set_kind(common::v1::MESSENGER);
  tap_request.set_interceptor("mallory");
  auto tap_context = Context();
  auto tap = stub_->Tap(tap_context.get(), tap_request);
  // Streams are open once the handler has registered; poll the logic.
  pb::SendResponse sent;
  // The tap subscription is registered by the handler asynchronously; send
  // until the tap has seen one (bounded).
  pb::TappedMessage tapped;
  ASSERT_TRUE(Send(common::v1::MESSENGER, "bob", "hello", &sent).ok());
  for (int i = 0;
       i < 200 &&
       service_->GetDeliveryLog(ChannelKind::kMessenger).deliveries.back().seen_by.empty();
       ++i) {
    ASSERT_TRUE(Send(common::v1::MESSENGER, "bob", "hello", &sent).ok());
    absl::SleepFor(absl::Milliseconds(10));  // waiting for another thread, not for timing
  }
  ASSERT_TRUE(tap->Read(&tapped));
  EXPECT_EQ(tapped.message().body(), "hello");
  EXPECT_TRUE(tapped.has_scheduled_delivery());
  EXPECT_EQ(tapped.scheduled_delivery().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Seconds(10)));

  clock_.Advance(absl::Seconds(10));
  scheduler_.RunDue();
  pb::ChannelMessage delivered;
  ASSERT_TRUE(watch->Read(&delivered));
  EXPECT_EQ(delivered.body(), "hello");
  EXPECT_EQ(delivered.sequence(), 1u);

  service_->Shutdown();
  while (watch->Read(&delivered)) {
  }
  while (tap->Read(&tapped)) {
  }
  EXPECT_TRUE(watch->Finish().ok());
  EXPECT_TRUE(tap->Finish().ok());
}

TEST_F(ChannelGrpcTest, DeliveryLogReportsFatesAndPreviewFetches) {
  fetcher_.SetAnswer(HttpResponse{200, "<meta property=\"og:title\" content=\"Hotel room 12\">"});
  pb::SendResponse sent;
  ASSERT_TRUE(Send(common::v1::MESSENGER, "bob",
                   "https://relay.example/v1/m/x?v=h#c2VjcmV0c2VjcmV0c2VjcmV0", &sent)
                  .ok());
  EXPECT_TRUE(sent.preview_fetch_scheduled());
  scheduler_.RunDue();
  pb::GetDeliveryLogRequest request;
  request.set_kind(common::v1::MESSENGER);
  pb::GetDeliveryLogResponse log;
  ASSERT_TRUE(stub_->GetDeliveryLog(Context().get(), request, &log).ok());
  ASSERT_EQ(log.deliveries_size(), 1);
  EXPECT_EQ(log.deliveries(0).message_id(), sent.message_id());
  EXPECT_EQ(log.deliveries(0).from(), "alice");
  EXPECT_EQ(log.deliveries(0).to(), "bob");
  EXPECT_EQ(log.deliveries(0).copies_delivered(), 1u);
  EXPECT_TRUE(log.deliveries(0).contained_link_fragment());
  EXPECT_EQ(log.deliveries(0).body_length(), sent.body_length());
  ASSERT_EQ(log.preview_fetches_size(), 1);
  EXPECT_EQ(log.preview_fetches(0).url(), "https://relay.example/v1/m/x?v=h");
  EXPECT_EQ(log.preview_fetches(0).og_title(), "Hotel room 12");
  EXPECT_EQ(log.preview_fetches(0).http_status(), 200);
  EXPECT_THAT(log.DebugString(), ::testing::Not(HasSubstr("c2VjcmV0")));
}

}  // namespace
}  // namespace sct::channel
