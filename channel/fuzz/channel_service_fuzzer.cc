// Fuzz target: the message channels' gRPC face (channel.v1.Channel) — what
// any sender or configurer sends: message bodies (scanned for links, whose
// previews are fetched through a fake fetcher), addresses, channel
// configurations, inbox reads and delivery-log queries — through the real
// adapter and ChannelService on a fake clock.
// The streams run too: WatchInbox (an inbox's messages, the stored ones
// first) and Tap (an interceptor's copy of what a channel carries).
// Input format: runtime/fuzz/grpc_fuzz_harness.h (method selector + request
// bytes per call: Send, Receive, Configure, GetDeliveryLog, then WatchInbox,
// Tap).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "channel/channel_grpc.h"
#include "channel/channel_service.h"
#include "channel/fake_http_fetcher.h"
#include "channel/scheduler.h"
#include "common/clock.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "runtime/fuzz/fuzz_world.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

// Inputs served before the channel is rebuilt (bounds stored messages).
constexpr int kInputsPerWorld = 5000;

struct World {
  World() {
    service = std::make_unique<sct::channel::ChannelService>(&clock, &scheduler, &fetcher,
                                                             sct::channel::ChannelServiceOptions());
    grpc_service = std::make_unique<sct::channel::ChannelGrpcService>(service.get());
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(
        grpc_service.get(), ::channel::v1::Channel::service_full_name());
  }
  ~World() {
    harness.reset();
    service->Shutdown();
  }

  sct::FakeClock clock;
  sct::channel::Scheduler scheduler{&clock};
  sct::channel::FakeHttpFetcher fetcher;
  std::unique_ptr<sct::channel::ChannelService> service;
  std::unique_ptr<sct::channel::ChannelGrpcService> grpc_service;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::fuzz::CurrentWorld<World>(kInputsPerWorld).harness->RunInput(data, size);
  return 0;
}
