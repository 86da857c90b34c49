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
// TrimHeapNow trims once. PeriodicHeapTrim trims every `every` on its own
// thread until destroyed. StartProcessHeapTrim starts one for the life of the
// process (the service binaries do, per --malloc_trim_every; sim/flags.h).
//
// Thread-safety: all thread-safe (malloc_trim takes each arena's lock in
// turn). No errors.
#ifndef SCT_RUNTIME_HEAP_TRIM_H_
#define SCT_RUNTIME_HEAP_TRIM_H_

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace sct {

// One malloc_trim(0); true when memory was released to the system.
bool TrimHeapNow();

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
