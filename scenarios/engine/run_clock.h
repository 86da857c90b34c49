// The engine's clocks during one scenario run. Service time is the wall
// clock plus what `advance_clock` steps moved every service's clock by (what
// relative validity windows are measured against); the scenario deadline
// bounds every wait and every RPC deadline, each stretched by the run's time
// scale (time_scale.h). A plain value owned by the run;
// single-threaded (the engine's thread).
#ifndef SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_
#define SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {

struct RunClock {
  // Sum of the advance_clock steps that moved every service's clock.
  absl::Duration advanced = absl::ZeroDuration();
  // When the scenario's timeout runs out.
  absl::Time scenario_deadline = absl::InfiniteFuture();
  // The run's time scale (time_scale.h): every wait and RPC deadline the
  // engine takes from Deadline() is stretched by it; Now() is not.
  double scale = 1;

  // The services' time now.
  absl::Time Now() const { return absl::Now() + advanced; }
  // `d` (times the scale) from now (wall clock), but never past the
  // scenario deadline.
  absl::Time Deadline(absl::Duration d) const {
    return std::min(absl::Now() + Scaled(d, scale), scenario_deadline);
  }
};

// The pauses between the polls of something that is usually there within a
// few milliseconds (a message the channel server delivers, a link an
// adversary's tap captured, a revocation list an access point fetches):
// 5 ms, then doubling up to `max`. A fixed 100 ms pause made a step that
// needed a second poll wait 100 ms for a message that was there after a few.
class PollPause {
 public:
  explicit PollPause(absl::Duration max) : max_(max) {}
  // The pause before the next poll (and the one after it doubles).
  absl::Duration Next() {
    const absl::Duration pause = std::min(next_, max_);
    next_ = pause * 2;
    return pause;
  }

 private:
  absl::Duration next_ = absl::Milliseconds(5);
  absl::Duration max_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_
