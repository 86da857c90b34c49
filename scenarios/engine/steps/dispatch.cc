// The dispatch table: action kind -> step handler.
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

struct Entry {
  sv1::Step::ActionCase action;
  StepHandler handler;
};

constexpr Entry kHandlers[] = {
    {sv1::Step::kShare, &RunShareStep},
    {sv1::Step::kAccept, &RunAcceptStep},
    {sv1::Step::kReply, &RunReplyStep},
    {sv1::Step::kUse, &RunUseStep},
    {sv1::Step::kRevoke, &RunRevokeStep},
    {sv1::Step::kCancel, &RunCancelStep},
    {sv1::Step::kRelinquish, &RunRelinquishStep},
    {sv1::Step::kForward, &RunForwardStep},
    {sv1::Step::kListShares, &RunListSharesStep},
    {sv1::Step::kWaitForEvent, &RunWaitForEventStep},
    {sv1::Step::kCheckState, &RunCheckStateStep},
    {sv1::Step::kAdvanceClock, &RunAdvanceClockStep},
    {sv1::Step::kAwaitRevocation, &RunAwaitRevocationStep},
    {sv1::Step::kService, &RunServiceStep},
    {sv1::Step::kPause, &RunPauseStep},
    {sv1::Step::kAdversaryAct, &RunAdversaryActStep},
};

}  // namespace

StepHandler StepHandlerFor(sv1::Step::ActionCase action) {
  for (const Entry& e : kHandlers) {
    if (e.action == action) return e.handler;
  }
  return nullptr;
}

}  // namespace sct::scenarios
