// The clock a service runs on under the scenario engine (--sim_control).
//
// SimClock is a base clock (real time in the binaries, a FakeClock in tests)
// plus a settable signed offset. SimControl.SetClock replaces the offset
// (`offset`, clock-skew faults) or adds to it (`advance`, e.g. to pass a
// mailbox expiry without waiting), so actor logic that reads this clock
// (relay expiry, authority validity, access-point checks) follows it.
//
// Thread-safe. The base clock is not owned and must outlive the SimClock.
#ifndef SCT_SIM_SIM_CLOCK_H_
#define SCT_SIM_SIM_CLOCK_H_

#include <algorithm>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace sct::sim {

class SimClock : public Clock {
 public:
  explicit SimClock(const Clock* base = &RealClock::Get()) : base_(base) {}

  absl::Time Now() const override { return base_->Now() + offset(); }

  absl::Duration offset() const {
    absl::MutexLock lock(&mu_);
    return offset_;
  }
  // Replaces the offset.
  void SetOffset(absl::Duration offset) {
    absl::MutexLock lock(&mu_);
    Replace(offset);
  }
  // Adds `d` (may be negative) to the offset.
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    Replace(offset_ + d);
  }
  // A smaller offset than before sets the clock back: remembered for
  // LastSetBackTo (Clock), together with the base clock's own set-backs.
  absl::Time LastSetBackTo() const override {
    absl::MutexLock lock(&mu_);
    return std::max(set_back_to_, base_->LastSetBackTo() + offset_);
  }

 private:
  void Replace(absl::Duration offset) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (offset < offset_) set_back_to_ = base_->Now() + offset;
    offset_ = offset;
  }

  const Clock* const base_;
  mutable absl::Mutex mu_;
  absl::Duration offset_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::Time set_back_to_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace sct::sim

#endif  // SCT_SIM_SIM_CLOCK_H_
