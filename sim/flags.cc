#include "sim/flags.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <thread>
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

ABSL_FLAG(int64_t, malloc_mmap_threshold, 128 * 1024,
          "Serve every heap block of at least this many bytes by its own mapping, returned to the "
          "system when freed, and release an arena's free top beyond it at once: fixes glibc's "
          "mmap and trim thresholds, which glibc otherwise raises to the largest block ever "
          "freed (runtime/heap_trim.h). 0 keeps glibc's dynamic thresholds. At most 32 MiB.");
ABSL_FLAG(int32_t, malloc_arenas_per_core, 1,
          "At most this many malloc arenas per core (glibc M_ARENA_MAX = this x the cores); "
          "0 keeps glibc's default (8 per core): fewer arenas hold fewer free blocks "
          "that malloc_trim cannot return (runtime/heap_trim.h).");

namespace sct::sim {

std::unique_ptr<SimState> StateFromFlags(absl::string_view default_actor_id,
                                         SimOptions options) {
  const absl::Status source = SetSourceAddress(absl::GetFlag(FLAGS_source_address));
  if (!source.ok()) {
    std::cerr << source.message() << "\n";
    std::exit(2);
  }
  const int64_t mmap_threshold = absl::GetFlag(FLAGS_malloc_mmap_threshold);
  const int32_t arenas_per_core = absl::GetFlag(FLAGS_malloc_arenas_per_core);
  if (mmap_threshold < 0 || mmap_threshold > 32 * 1024 * 1024) {
    std::cerr << "--malloc_mmap_threshold: must be 0..33554432 bytes\n";
    std::exit(2);
  }
  if (arenas_per_core < 0 || arenas_per_core > 64) {
    std::cerr << "--malloc_arenas_per_core: must be 0..64\n";
    std::exit(2);
  }
  AllocatorSettings allocator;
  allocator.mmap_threshold = static_cast<size_t>(mmap_threshold);
  allocator.trim_threshold = static_cast<size_t>(mmap_threshold);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  allocator.arena_max = arenas_per_core * static_cast<int>(cores);
  // Refused only by an allocator that is not glibc's (sanitizer builds): nothing to configure.
  (void)ConfigureAllocator(allocator);
  StartProcessHeapTrim(absl::GetFlag(FLAGS_malloc_trim_every));
  if (!absl::GetFlag(FLAGS_sim_control)) return nullptr;
  options.actor_id = absl::GetFlag(FLAGS_actor_id);
  if (options.actor_id.empty()) options.actor_id = std::string(default_actor_id);
  return std::make_unique<SimState>(std::move(options));
}

}  // namespace sct::sim
