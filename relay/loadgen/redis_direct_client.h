// The relay cycle's Redis commands without the relay: relay_scale's
// "same commands" baseline (docs/relay_scale.md, --mode=replicas).
//
// Each client runs the relay's own MailboxService over the Redis store,
// limiters, delete log and RedisRelaySteps, in this process, with the limits
// relay_scale gives its relays (both limiters on, budgets of 1e9). So Redis
// receives exactly the commands a relay replica sends for the same cycle
// (create, read+bind, update, read reply, delete; the same scripts, keys,
// record sizes and request ids), but no HTTP or gRPC and no relay process sit
// between the client and Redis: the rate such clients reach is Redis's own
// speed on the relay's commands at the same concurrency, which the relay's
// rate is reported against.
//
// One Redis connection per client. Not thread-safe (one per client thread).
#ifndef SCT_RELAY_LOADGEN_REDIS_DIRECT_CLIENT_H_
#define SCT_RELAY_LOADGEN_REDIS_DIRECT_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/cycle_data.h"

namespace sct::relay::loadgen {

class RedisDirectCycleClient final : public CycleClient {
 public:
  // `addresses`: the Redis ("host:port" seeds), `key_prefix` the relays'
  // (--redis_key_prefix, "sct:" by default).
  RedisDirectCycleClient(const std::vector<std::string>& addresses, const std::string& key_prefix,
                         size_t payload_bytes, uint64_t seed);
  ~RedisDirectCycleClient() override;
  void BeginCycle() override;
  std::string Do(CycleOp op) override;

 private:
  struct Stack;  // the redis store as the relay opens it, and the service
  std::unique_ptr<Stack> stack_;  // null when Redis could not be reached
  CycleData data_;
  std::string mailbox_id_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_REDIS_DIRECT_CLIENT_H_
