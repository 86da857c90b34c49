// Service test: one DeviceAgent behind its real gRPC adapter on an
// in-process server (port 0), with the fake OEM, relay and channel.
#include "device/device_grpc.h"

#include <chrono>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "device/device_agent.h"
#include "device/fake_services.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "runtime/grpc_server.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;

class DeviceServiceTest : public ::testing::Test {
 protected:
  DeviceServiceTest() : oem_("oem-a", &clock_, &log_), relay_(&log_), channel_(&log_) {}

  void SetUp() override {
    se_ = *SecureElement::Open("");
    DeviceAgentOptions options;
    options.oem_id = "oem-a";
    options.address = "+15550001";
    DeviceAgentDeps deps;
    deps.clock = &clock_;
    deps.secure_element = se_.get();
    deps.oem = &oem_;
    deps.relay = &relay_;
    deps.channel = &channel_;
    auto agent = DeviceAgent::Create(options, deps);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    service_ = std::make_unique<DeviceAgentGrpcService>(agent_.get());
    GrpcServerOptions server_options;
    server_options.services = {service_.get()};
    auto server = GrpcServer::Start(server_options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    client_ = dv::DeviceAgent::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  FakeClock clock_;
  testing::CallLog log_;
  testing::FakeOem oem_;
  testing::FakeRelay relay_;
  testing::FakeChannel channel_;
  std::unique_ptr<SecureElement> se_;
  std::unique_ptr<DeviceAgent> agent_;
  std::unique_ptr<DeviceAgentGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<dv::DeviceAgent::Stub> client_;
};

TEST_F(DeviceServiceTest, ErrorsKeepTheirCodeAndReason) {
  grpc::ClientContext context;
  dv::PrepareKeyRequest req;
  req.set_persona("nobody");
  dv::PrepareKeyResponse resp;
  absl::Status st = FromGrpcStatus(client_->PrepareKey(&context, req, &resp));
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(st), "persona_not_found");
}

TEST_F(DeviceServiceTest, WatchEventsStreamsWhatHappens) {
  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  ::oem::v1::DeviceNotification subscribed;
  subscribed.set_kind(::oem::v1::SUBSCRIBED);
  agent_->HandleNotification(subscribed);  // event 1
  dv::WatchEventsRequest watch;
  watch.set_after_sequence(1);  // replay what came after event 1
  auto reader = client_->WatchEvents(&watch_ctx, watch);
  ::oem::v1::DeviceNotification changed;
  changed.set_kind(::oem::v1::MAILBOX_CHANGED);
  changed.set_mailbox_id(NewUuidV4());
  agent_->HandleNotification(changed);
  dv::DeviceEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.kind(), dv::EVENT_PUSH_RECEIVED);
  EXPECT_EQ(event.mailbox_id(), changed.mailbox_id());
  watch_ctx.TryCancel();
  reader->Finish();
}

}  // namespace
}  // namespace sct::device
