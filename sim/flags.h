// The two command-line flags every SCT Lab service binary shares:
//   --sim_control (bool, default false): serve common.v1.Audit and
//       common.v1.SimControl, trace calls, run on a SimClock (docs/sim.md);
//   --actor_id (string, default "": the binary's own default, e.g. "relay",
//       or its --oem_id / --ap_id / --device_id): this process's name in a
//       scenario, used in traces, observations and `sct-actor`.
// Link this target only into the six service binaries.
#ifndef SCT_SIM_FLAGS_H_
#define SCT_SIM_FLAGS_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "sim/sim_state.h"

ABSL_DECLARE_FLAG(bool, sim_control);
ABSL_DECLARE_FLAG(std::string, actor_id);

namespace sct::sim {

// The process's SimState per the flags (actor id --actor_id, else
// `default_actor_id`), or null without --sim_control. Call after parsing.
std::unique_ptr<SimState> StateFromFlags(absl::string_view default_actor_id,
                                         SimOptions options = {});

}  // namespace sct::sim

#endif  // SCT_SIM_FLAGS_H_
