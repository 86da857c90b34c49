// Fuzz target: the relay's gRPC face (relay.v1.Relay) — request messages as
// any client sends them, decoded by gRPC, translated by RelayGrpcService and
// validated by MailboxService (request_validation) against a memory store.
// Input format: runtime/fuzz/grpc_fuzz_harness.h (method selector + request
// bytes per call; the id placeholder follows the last created mailbox).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/clock.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/metrics.h"
#include "relay/relay_grpc.h"
#include "runtime/fuzz/fuzz_world.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

// Inputs served before the relay is rebuilt (bounds the store's growth).
constexpr int kInputsPerRelay = 5000;

struct FuzzRelay {
  FuzzRelay() {
    sct::relay::RelayLimits limits;
    limits.creates_per_window = int64_t{1} << 40;
    limits.failed_lookups_per_window = int64_t{1} << 40;
    service = std::make_unique<sct::relay::MailboxService>(&store, &clock, &push,
                                                           "https://relay.example", limits);
    grpc_service = std::make_unique<sct::relay::RelayGrpcService>(service.get(), &metrics);
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(
        std::vector<sct::fuzz::GrpcFuzzHarness::Served>{
            {grpc_service.get(), ::relay::v1::Relay::service_full_name()}});
  }

  sct::FakeClock clock;
  sct::relay::MemoryMailboxStore store;
  sct::relay::FakePushNotifier push{{"fake-oem"}};
  sct::relay::RelayMetrics metrics;
  std::unique_ptr<sct::relay::MailboxService> service;
  std::unique_ptr<sct::relay::RelayGrpcService> grpc_service;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzRelay* relay = &sct::fuzz::CurrentWorld<FuzzRelay>(kInputsPerRelay);
  relay->harness->RunInput(data, size);
  return 0;
}
