// Handing freed heap memory back to the system.
//
// glibc's malloc keeps memory a service has freed in its arenas (up to 8 per
// core, one per group of threads) for reuse, and returns pages only from the
// top of the main heap. A service whose transient buffers grow with its data
// (the authority's full revocation list for each polling lock, a ListShares
// with every descendant) leaves ever larger free holes in every arena its
// threads used: its RSS grows with history while the bytes in use stay flat
// (the soak measured 40 MiB free of 76 MiB RSS in the authority after 10
// minutes; docs/soak.md). malloc_trim(0) releases the pages of every free
// chunk of every arena (madvise(MADV_DONTNEED)); the chunks stay the
// allocator's, so nothing in use moves.
//
// malloc_trim does not reach everything, though: the top chunk of every
// arena but the main one (the free space at the end of each thread arena's
// 64 MiB heap) is released only when a free() leaves it above the trim
// threshold, and glibc raises that threshold on its own: each time a block
// above the mmap threshold (128 KiB) is freed, the mmap threshold becomes
// that block's size (up to 32 MiB) and the trim threshold twice that. A
// process that serializes a megabyte-sized state many times a second on
// whichever gRPC thread serves the call (a device writing its wallet) then
// serves every such buffer from its thread arenas and keeps a top of several
// MiB in each of them (docs/sim.md "Memory"). ConfigureAllocator fixes both
// thresholds (mallopt turns the dynamic adjustment off): a buffer of at least
// `mmap_threshold` bytes is then always its own mapping, returned to the
// system by its free(), and an arena's top beyond `trim_threshold` is
// released by the free() that grows it. `arena_max` > 0 caps the number of
// arenas (glibc's default is 8 per core).
//
// TrimHeapNow trims once. PeriodicHeapTrim trims every `every` on its own
// thread until destroyed. StartProcessHeapTrim starts one for the life of the
// process (the service binaries do, per --malloc_trim_every; sim/flags.h).
//
// Thread-safety: all thread-safe (malloc_trim takes each arena's lock in
// turn). No errors.
#ifndef SCT_RUNTIME_HEAP_TRIM_H_
#define SCT_RUNTIME_HEAP_TRIM_H_

#include <atomic>
#include <cstddef>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace sct {

// One malloc_trim(0); true when memory was released to the system.
bool TrimHeapNow();

struct AllocatorSettings {
  // Fixed mmap threshold in bytes; 0 keeps glibc's dynamic threshold.
  size_t mmap_threshold = 0;
  // Fixed trim threshold in bytes; 0 keeps glibc's (dynamic) one.
  size_t trim_threshold = 0;
  // At most this many arenas; 0 keeps glibc's default.
  int arena_max = 0;
};

// Applies `settings` to this process's malloc (mallopt). Call early, before
// threads start (the arena cap applies to arenas created afterwards). Returns
// false when glibc refused one of them (e.g. an mmap threshold above 32 MiB)
// or the allocator is not glibc's (sanitizers); the others still apply.
bool ConfigureAllocator(const AllocatorSettings& settings);

class PeriodicHeapTrim {
 public:
  // `every` > 0.
  explicit PeriodicHeapTrim(absl::Duration every);
  ~PeriodicHeapTrim();  // stops the thread (without waiting out the period)
  PeriodicHeapTrim(const PeriodicHeapTrim&) = delete;
  PeriodicHeapTrim& operator=(const PeriodicHeapTrim&) = delete;

  // Trims done so far (for tests and logs).
  int trims() const { return trims_; }

 private:
  const absl::Duration every_;
  absl::Notification stop_;
  std::atomic<int> trims_{0};
  std::thread thread_;
};

// Starts a PeriodicHeapTrim that lives as long as the process; nothing when
// `every` <= 0. Call once, from main.
void StartProcessHeapTrim(absl::Duration every);

}  // namespace sct

#endif  // SCT_RUNTIME_HEAP_TRIM_H_
