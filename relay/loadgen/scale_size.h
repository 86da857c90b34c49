// relay_scale --mode=size for one store (docs/relay_scale.md): two real
// relay_server processes (and, for redis, one redis-server each), a "small"
// one preloaded with options.small mailboxes and a "large" one with
// options.large, through the relay's own CreateMailbox. Memory per mailbox is
// measured on the large one between options.warm and options.large mailboxes
// (relay RSS, sqlite file size, Redis used_memory); then the five-RPC cycle
// runs against both, alternating in rounds, so that create and read latency
// at N is compared with an almost empty store in the same run. The processes
// are stopped before this returns.
//
// Errors: a server that does not start, or a measurement that fails.
#ifndef SCT_RELAY_LOADGEN_SCALE_SIZE_H_
#define SCT_RELAY_LOADGEN_SCALE_SIZE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/scale_common.h"

namespace sct::relay::loadgen {

struct SizeOutcome {
  nlohmann::json doc;  // the store's part of the report
  int64_t errors = 0;  // failed RPCs and preload creates
};

absl::StatusOr<SizeOutcome> RunSize(const ScaleOptions& options, const std::string& binary,
                                    const std::string& store, const std::string& work_dir);

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_SCALE_SIZE_H_
