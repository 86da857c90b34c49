#include "runtime/heap_trim.h"

#include <malloc.h>

namespace sct {

bool TrimHeapNow() { return malloc_trim(0) != 0; }

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
