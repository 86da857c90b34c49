// The closed-loop driver: N client threads each run cycles back to back (the
// next RPC starts when the previous answer arrives) until a duration or a
// cycle count is reached, timing every RPC.
//
// Thread-safe to call from one thread at a time; it starts and joins its own
// client threads and returns only after all of them have stopped.
#ifndef SCT_RELAY_LOADGEN_RUNNER_H_
#define SCT_RELAY_LOADGEN_RUNNER_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/latency.h"

namespace sct::relay::loadgen {

struct PhaseOptions {
  int clients = 8;
  // Measured window. With `cycles` > 0 the phase ends after that many cycles
  // (over all clients) or at `duration`, whichever comes first.
  absl::Duration duration = absl::Seconds(5);
  int64_t cycles = 0;
  // Unmeasured cycles each client runs first (connections, caches, allocator).
  int warmup_cycles = 10;
};

struct OpResult {
  LatencySummary latency;                 // successful RPCs only
  std::map<std::string, int64_t> errors;  // error label -> count
};

struct PhaseResult {
  std::string name;
  absl::Duration elapsed;  // from the common start to the last client's end
  int64_t cycles_ok = 0;
  int64_t cycles_failed = 0;
  int64_t rpcs_ok = 0;
  int64_t rpcs_failed = 0;
  int64_t warmup_errors = 0;
  std::array<OpResult, kOpsPerCycle> ops;

  double cycles_per_sec() const;
  double rpcs_per_sec() const;  // successful RPCs per second
  int64_t total_errors() const { return rpcs_failed + warmup_errors; }
};

// Runs one measured phase. `factory` is called `clients` times on this thread
// before any client thread starts.
PhaseResult RunPhase(const std::string& name, const PhaseOptions& options,
                     const CycleClientFactory& factory);

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_RUNNER_H_
