// The time scale of a run: one factor that stretches the engine's own
// deadlines when the services run slower than usual, e.g. built with a
// sanitizer (`./sct test --asan|--tsan` sets it; docs/sanitizers.md).
//
// What it multiplies: step `max_duration` expectations and timing assertion
// bounds, the waits (wait_for_event, await_revocation, inbox reads, a link an
// adversary's tap captures), the scenario timeout, the deadlines the engine
// and the attack code set on their RPCs, and the launcher's start-up wait.
// What it leaves alone: simulated time (advance_clock, TTLs, validity
// windows, clock offsets), retry backoffs and pauses (what the scenario
// does), and what a run measures (step durations are reported as measured).
//
// SCT_TIME_SCALE is read here and nowhere else (TimeScaleFromEnv); the
// programs that run scenarios pass it on in EngineOptions::time_scale.
// Thread-safe (pure functions, one getenv).
#ifndef SCT_SCENARIOS_ENGINE_TIME_SCALE_H_
#define SCT_SCENARIOS_ENGINE_TIME_SCALE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::scenarios {

// The environment variable that sets the scale.
inline constexpr char kTimeScaleVariable[] = "SCT_TIME_SCALE";

// `value` as a time scale: a finite number >= 1 ("4", "2.5").
// INVALID_ARGUMENT (reason invalid_field) naming SCT_TIME_SCALE otherwise
// (empty, "0", "-3", "fast", "nan", "0.5").
absl::StatusOr<double> ParseTimeScale(absl::string_view value);

// SCT_TIME_SCALE from the environment: 1 when unset, else ParseTimeScale.
absl::StatusOr<double> TimeScaleFromEnv();

// `d` stretched by `scale` (a scale of 1 or less leaves it as is; an
// infinite duration stays infinite).
absl::Duration Scaled(absl::Duration d, double scale);

// How a report says the scale was in force, e.g. "4 (SCT_TIME_SCALE: the
// engine's deadlines and waits x4; durations as measured)".
std::string DescribeTimeScale(double scale);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_TIME_SCALE_H_
