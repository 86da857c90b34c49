// relay_scale --mode=replicas (docs/relay_scale.md): options.replicas
// relay_server processes over one Redis (options.redis: every master of a
// cluster; or a standalone redis-server started here) run the five-RPC cycle
// with the clients spread over the first 1, 2, ... K replicas, counting the
// Redis commands each phase causes (INFO commandstats before and after); in
// every round redis-benchmark (SET and GET, and an EVAL of the store's
// script shape) runs on the same Redis, and the same-commands baseline
// (redis_direct_client.h: the relay cycle's own Redis commands with no relay
// in between), so the report gives the relay's cycle rate as a fraction of
// Redis's own speed on the same commands, and its Redis command rate and CPU
// as a fraction of what Redis serves its own benchmark, in the same run. A
// store-free phase (relay-memory: one more relay_server with --store=memory,
// no Redis) gives the relay's own part of a cycle, and with it the bound
// M / (M + S) that relay / same commands cannot pass while the relay's part
// and Redis's part of a cycle add up (store_free_bound). The processes are
// stopped before this returns.
//
// Errors: a server that does not start, a Redis that does not answer, a
// non-loopback --redis address (INVALID_ARGUMENT).
#ifndef SCT_RELAY_LOADGEN_SCALE_REPLICAS_H_
#define SCT_RELAY_LOADGEN_SCALE_REPLICAS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/scale_common.h"

namespace sct::relay::loadgen {

// The report's "replicas" part; adds the failed RPCs to `*errors`.
absl::StatusOr<nlohmann::json> RunReplicas(const ScaleOptions& options, const std::string& binary,
                                           const std::string& work_dir, int64_t* errors);

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_SCALE_REPLICAS_H_
