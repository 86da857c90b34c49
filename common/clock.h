// Time as an injected dependency.
//
// Production code receives a Clock& (never calls absl::Now() itself) so that
// TTL, expiry and rate-limit tests advance a FakeClock by hand instead of
// sleeping. Both implementations are thread-safe.
#ifndef SCT_COMMON_CLOCK_H_
#define SCT_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sct {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The instant the clock was last set back to (its Now() right after the
  // latest backward jump), or InfinitePast if it never went back. State kept
  // by time that began after it (the relay's rate-limit windows) belongs to a
  // future the clock has undone: the experiment runner sets the sim clocks
  // back after every run that advanced them (docs/experiments.md, "Running").
  virtual absl::Time LastSetBackTo() const { return absl::InfinitePast(); }
};

// Wall-clock time. RealClock::Get() is a process-wide instance.
class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static Clock& Get() {
    static RealClock* clock = new RealClock();
    return *clock;
  }
};

// A clock that moves only when told to. Starts at `start` (default: a fixed
// instant, 2025-01-01T00:00:00Z, so tests are reproducible).
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1735689600))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  absl::Time LastSetBackTo() const override {
    absl::MutexLock lock(&mu_);
    return set_back_to_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
    if (d < absl::ZeroDuration()) set_back_to_ = now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    if (t < now_) set_back_to_ = t;
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Time set_back_to_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// A clock that adds a fixed offset to another clock (clock-skew faults).
class SkewedClock : public Clock {
 public:
  SkewedClock(const Clock& base, absl::Duration skew) : base_(base), skew_(skew) {}
  absl::Time Now() const override { return base_.Now() + skew_; }

 private:
  const Clock& base_;
  absl::Duration skew_;
};

}  // namespace sct

#endif  // SCT_COMMON_CLOCK_H_
