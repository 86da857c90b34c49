#include "runtime/heap_trim.h"

#include <malloc.h>

namespace sct {

bool TrimHeapNow() { return malloc_trim(0) != 0; }

bool ConfigureAllocator(const AllocatorSettings& settings) {
  constexpr size_t kMax = 32 * 1024 * 1024;  // glibc's HEAP_MAX_SIZE / 2 on 64-bit
  if (settings.mmap_threshold > kMax || settings.trim_threshold > (size_t{1} << 30)) return false;
  bool ok = true;
  // mallopt answers 1 on success, 0 on a refused value.
  if (settings.mmap_threshold > 0) {
    ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(settings.mmap_threshold)) == 1 && ok;
  }
  if (settings.trim_threshold > 0) {
    ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(settings.trim_threshold)) == 1 && ok;
  }
  if (settings.arena_max > 0) ok = mallopt(M_ARENA_MAX, settings.arena_max) == 1 && ok;
  return ok;
}

PeriodicHeapTrim::PeriodicHeapTrim(absl::Duration every) : every_(every) {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(every_)) {
      TrimHeapNow();
      ++trims_;
    }
  });
}

PeriodicHeapTrim::~PeriodicHeapTrim() {
  stop_.Notify();
  thread_.join();
}

void StartProcessHeapTrim(absl::Duration every) {
  if (every <= absl::ZeroDuration()) return;
  // Never destroyed: the thread runs until the process exits.
  static PeriodicHeapTrim* const trim = new PeriodicHeapTrim(every);
  (void)trim;
}

}  // namespace sct
