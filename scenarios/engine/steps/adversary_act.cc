// `adversary_act`: an adversary acts now (scenarios/attack ActAdversary). Its
// summary and details go to the report; when it did not get what it wanted
// the outcome is an error with its code (FAILED_PRECONDITION by default) and
// reason.
#include "scenarios/attack/attack.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;

absl::StatusOr<Outcome> RunAdversaryActStep(StepEnv& env, const StepCall& call) {
  absl::StatusOr<AdversaryOutcome> out =
      ActAdversary(call.step.adversary_act().adversary(), env.ctx);
  if (!out.ok()) return Outcome::FromStatus(out.status());
  for (const auto& [k, v] : out->details) (*call.result.mutable_details())[k] = v;
  Outcome o;
  o.message = out->summary;
  if (out->succeeded) return o;
  sv1::StatusCode code = sv1::FAILED_PRECONDITION;
  if (!sv1::StatusCode_Parse(out->code, &code) || code == sv1::ANY_ERROR_CODE) {
    code = sv1::FAILED_PRECONDITION;
  }
  o.code = static_cast<absl::StatusCode>(static_cast<int>(code));
  o.reason = out->reason.empty() ? "adversary_failed" : out->reason;
  return o;
}

}  // namespace sct::scenarios
