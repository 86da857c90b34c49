// The baseline client: the same five RPCs per cycle as the relay cycle, each
// a relay.v1.Echo call carrying the bytes that operation moves (see
// echo_client.cc), over the same kind of channel.
#ifndef SCT_RELAY_LOADGEN_ECHO_CLIENT_H_
#define SCT_RELAY_LOADGEN_ECHO_CLIENT_H_

#include <memory>
#include <string>

#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/cycle_data.h"

namespace sct::relay::loadgen {

// Not thread-safe (one per client thread).
class EchoCycleClient final : public CycleClient {
 public:
  EchoCycleClient(const std::string& target, size_t payload_bytes, uint64_t seed);
  void BeginCycle() override;
  std::string Do(CycleOp op) override;

 private:
  std::unique_ptr<::relay::v1::Echo::Stub> stub_;
  CycleData data_;
  ::relay::v1::EchoRequest request_;
  ::relay::v1::EchoResponse response_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_ECHO_CLIENT_H_
