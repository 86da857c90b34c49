// The engine's steps: one handler per action kind of scenario.v1.Step, each
// in the file named after it (steps/share.cc runs `share`, steps/accept.cc
// runs `accept`, ...), found through the dispatch table in
// steps/dispatch.cc (StepHandlerFor).
//
// A handler runs one attempt of its step and returns the observed Outcome: a
// service's answer, error or not, is an outcome that the engine judges
// against the step's expectation. A non-OK status is an engine error (the
// step is ERRORED), e.g. a device the engine cannot reach. A handler may add
// report details to the step's result; the request id stays the same across
// retries.
// The engine's thread only.
#ifndef SCT_SCENARIOS_ENGINE_STEPS_STEPS_H_
#define SCT_SCENARIOS_ENGINE_STEPS_STEPS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/expect.h"
#include "scenarios/engine/step_env.h"

namespace sct::scenarios {

// One attempt of one step.
struct StepCall {
  const scenario::v1::Step& step;
  const std::string& request_id;
  scenario::v1::StepResult& result;
};

using StepHandler = absl::StatusOr<Outcome> (*)(StepEnv& env, const StepCall& call);

// The handler of `action`; nullptr for ACTION_NOT_SET.
StepHandler StepHandlerFor(scenario::v1::Step::ActionCase action);

// The handlers, one per action kind (steps/<kind>.cc).
absl::StatusOr<Outcome> RunShareStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunAcceptStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunReplyStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunUseStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunRevokeStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunCancelStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunRelinquishStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunForwardStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunListSharesStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunWaitForEventStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunCheckStateStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunAdvanceClockStep(StepEnv& env, const StepCall& call);
// The order in which advance_clock moves clocks: every service that reads
// time-dependent answers first, then the authorities, the relay last (ties in
// the given order). `services` are (name, kind) pairs.
std::vector<std::string> ClockAdvanceOrder(
    const std::vector<std::pair<std::string, ServiceKind>>& services);
absl::StatusOr<Outcome> RunAwaitRevocationStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunServiceStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunPauseStep(StepEnv& env, const StepCall& call);
absl::StatusOr<Outcome> RunAdversaryActStep(StepEnv& env, const StepCall& call);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_STEPS_STEPS_H_
