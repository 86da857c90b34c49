// The two command-line flags every SCT Lab service binary shares:
//   --sim_control (bool, default false): serve common.v1.Audit and
//       common.v1.SimControl, trace calls, run on a SimClock (docs/sim.md);
//   --actor_id (string, default "": the binary's own default, e.g. "relay",
//       or its --oem_id / --ap_id / --device_id): this process's name in a
//       scenario, used in traces, observations and `sct-actor`.
//   --source_address (string, default ""): the 127.0.0.0/8 address this
//       process's outgoing loopback connections come from
//       (runtime/source_address.h); set by StateFromFlags, with or without
//       --sim_control. An invalid value ends the process (exit status 2) with
//       a message naming the flag.
//   --malloc_trim_every (duration, default 30s): hand freed heap memory back
//       to the system this often (runtime/heap_trim.h; 0 disables); started
//       by StateFromFlags, with or without --sim_control.
//   --malloc_mmap_threshold (bytes, default 128 KiB): glibc's mmap and trim
//       thresholds, fixed (runtime/heap_trim.h ConfigureAllocator; 0 keeps
//       glibc's dynamic ones); --malloc_arenas_per_core (default 1; 0:
//       glibc's default of 8) caps the malloc arenas at that many per core.
//       Applied by StateFromFlags before it starts the trim. An out-of-range
//       value ends the process (exit 2).
// Link this target only into the six service binaries.
#ifndef SCT_SIM_FLAGS_H_
#define SCT_SIM_FLAGS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sim/sim_state.h"

ABSL_DECLARE_FLAG(bool, sim_control);
ABSL_DECLARE_FLAG(std::string, actor_id);
ABSL_DECLARE_FLAG(std::string, source_address);
ABSL_DECLARE_FLAG(absl::Duration, malloc_trim_every);
ABSL_DECLARE_FLAG(int64_t, malloc_mmap_threshold);
ABSL_DECLARE_FLAG(int32_t, malloc_arenas_per_core);

namespace sct::sim {

// Applies --source_address, then: the process's SimState per the flags (actor id --actor_id, else
// `default_actor_id`), or null without --sim_control. Call after parsing.
std::unique_ptr<SimState> StateFromFlags(absl::string_view default_actor_id,
                                         SimOptions options = {});

}  // namespace sct::sim

#endif  // SCT_SIM_FLAGS_H_
