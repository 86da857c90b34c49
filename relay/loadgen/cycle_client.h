// One closed-loop client of the load generator: runs the mailbox cycle
// create -> read (receiver binds) -> update (receiver replies) ->
// read (sender reads the reply) -> delete, one RPC at a time.
//
// Implementations: the relay over gRPC (relay_grpc_client.h), the relay over
// HTTP (relay_http_client.h) and the echo baseline (echo_client.h), which
// sends the same number of RPCs per cycle with the same payload sizes.
//
// Not thread-safe: the runner gives each client thread its own instance.
#ifndef SCT_RELAY_LOADGEN_CYCLE_CLIENT_H_
#define SCT_RELAY_LOADGEN_CYCLE_CLIENT_H_

#include <array>
#include <functional>
#include <memory>
#include <string>

namespace sct::relay::loadgen {

// The operations of one cycle, in order.
enum class CycleOp { kCreate = 0, kReadBind, kUpdate, kReadReply, kDelete };
inline constexpr int kOpsPerCycle = 5;
inline constexpr std::array<const char*, kOpsPerCycle> kOpNames = {"create", "read_bind", "update",
                                                                   "read_reply", "delete"};

class CycleClient {
 public:
  virtual ~CycleClient() = default;

  // Starts a new cycle: fresh sender/receiver claims, request ids and payloads.
  virtual void BeginCycle() = 0;

  // Performs one RPC of the current cycle. Returns "" on success, otherwise a
  // short error label for the report: a gRPC code name ("UNAVAILABLE"), an
  // HTTP status ("http_404"), or a client-side check ("bad_response").
  // The runner calls the ops in order and abandons the cycle at the first error.
  virtual std::string Do(CycleOp op) = 0;
};

// Makes one client per thread; `index` is the client number (0..N-1).
using CycleClientFactory = std::function<std::unique_ptr<CycleClient>(int index)>;

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_CYCLE_CLIENT_H_
