// The engine's clocks during one scenario run. Service time is the wall
// clock plus what `advance_clock` steps moved every service's clock by (what
// relative validity windows are measured against); the scenario deadline
// bounds every wait and every RPC deadline. A plain value owned by the run;
// single-threaded (the engine's thread).
#ifndef SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_
#define SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sct::scenarios {

struct RunClock {
  // Sum of the advance_clock steps that moved every service's clock.
  absl::Duration advanced = absl::ZeroDuration();
  // When the scenario's timeout runs out.
  absl::Time scenario_deadline = absl::InfiniteFuture();

  // The services' time now.
  absl::Time Now() const { return absl::Now() + advanced; }
  // `d` from now (wall clock), but never past the scenario deadline.
  absl::Time Deadline(absl::Duration d) const {
    return std::min(absl::Now() + d, scenario_deadline);
  }
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_RUN_CLOCK_H_
