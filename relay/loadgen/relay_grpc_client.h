// The relay cycle over gRPC (relay.v1.Relay): create (sender) -> read
// (receiver, binds) -> update (receiver's reply) -> read (sender gets the
// reply) -> delete (sender). Every answer is checked (the payload read back is
// the one written), so a wrong answer counts as an error, not as throughput.
#ifndef SCT_RELAY_LOADGEN_RELAY_GRPC_CLIENT_H_
#define SCT_RELAY_LOADGEN_RELAY_GRPC_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/cycle_data.h"

namespace sct::relay::loadgen {

// The mailbox id is the last path segment of url_link ({base}/v1/m/{id});
// empty if the link has no such segment.
std::string MailboxIdFromUrlLink(const std::string& url_link);

// Not thread-safe (one per client thread).
class RelayGrpcCycleClient final : public CycleClient {
 public:
  RelayGrpcCycleClient(const std::string& target, size_t payload_bytes, uint64_t seed);
  // Several relay replicas over one shared store: operation k of a cycle goes
  // to targets[(first + k) % n] when `rotate_per_op` (create on one replica,
  // the receiver's read on the next, ...), else every operation to
  // targets[first % n]. `targets` must not be empty.
  RelayGrpcCycleClient(const std::vector<std::string>& targets, size_t first, bool rotate_per_op,
                       size_t payload_bytes, uint64_t seed);
  void BeginCycle() override;
  std::string Do(CycleOp op) override;

 private:
  std::vector<std::unique_ptr<::relay::v1::Relay::Stub>> stubs_;
  size_t first_ = 0;
  bool rotate_ = false;
  CycleData data_;
  std::string mailbox_id_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_RELAY_GRPC_CLIENT_H_
