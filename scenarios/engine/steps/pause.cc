// `pause`: waits for a while (never past the scenario deadline).
#include <algorithm>

#include "absl/time/clock.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

absl::StatusOr<Outcome> RunPauseStep(StepEnv& env, const StepCall& call) {
  const absl::Duration d = DurationOr(call.step.pause().duration(), absl::ZeroDuration());
  absl::SleepFor(
      std::max(absl::ZeroDuration(), std::min(d, env.clock.scenario_deadline - absl::Now())));
  return Outcome{};
}

}  // namespace sct::scenarios
