#include "sim/flags.h"

#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "runtime/heap_trim.h"
#include "runtime/source_address.h"

ABSL_FLAG(bool, sim_control, false,
          "Serve common.v1.Audit and common.v1.SimControl (trace, knowledge audit, clock, "
          "faults, outages) for the scenario engine. Test use only; see docs/sim.md.");
ABSL_FLAG(std::string, actor_id, "",
          "This process's name in a scenario (traces, audit, sct-actor metadata); "
          "default: the binary's role or id.");
ABSL_FLAG(std::string, source_address, "",
          "Bind outgoing connections to loopback targets to this 127.0.0.0/8 address (the "
          "launcher's address plan, docs/launcher.md); empty: the OS chooses.");

ABSL_FLAG(absl::Duration, malloc_trim_every, absl::Seconds(30),
          "Hand freed heap memory back to the system this often (glibc malloc_trim; "
          "runtime/heap_trim.h): without it RSS follows the largest transient buffers ever "
          "freed in each malloc arena. 0 disables.");

namespace sct::sim {

std::unique_ptr<SimState> StateFromFlags(absl::string_view default_actor_id,
                                         SimOptions options) {
  const absl::Status source = SetSourceAddress(absl::GetFlag(FLAGS_source_address));
  if (!source.ok()) {
    std::cerr << source.message() << "\n";
    std::exit(2);
  }
  StartProcessHeapTrim(absl::GetFlag(FLAGS_malloc_trim_every));
  if (!absl::GetFlag(FLAGS_sim_control)) return nullptr;
  options.actor_id = absl::GetFlag(FLAGS_actor_id);
  if (options.actor_id.empty()) options.actor_id = std::string(default_actor_id);
  return std::make_unique<SimState>(std::move(options));
}

}  // namespace sct::sim
