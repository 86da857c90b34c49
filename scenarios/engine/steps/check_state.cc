// `check_state`: reads the acting device's state (DeviceAgent/GetState) and
// compares it with the step: a share's exchange state, credentials held or
// not held, the push connection. The step fails with state_mismatch listing
// every difference.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

// The exchange state of the step's share against the expected one.
void CheckFlowState(const sv1::CheckStateAction& a, const SavedShare& share,
                    const dv1::GetStateResponse& resp, sv1::StepResult& result,
                    std::vector<std::string>& problems) {
  const dv1::MailboxRecord* rec = nullptr;
  for (const auto& p : resp.personas()) {
    for (const auto& m : p.mailboxes()) {
      // A share whose mailbox was never created is found by its share id.
      const bool match = !share.mailbox_id.empty()
                             ? m.mailbox_id() == share.mailbox_id
                             : !share.share_id.empty() && m.share_id() == share.share_id;
      if (match) rec = &m;
    }
  }
  if (rec == nullptr) {
    problems.push_back(absl::StrCat("no exchange for ", a.share()));
    return;
  }
  (*result.mutable_details())["flow_state"] = dv1::FlowState_Name(rec->state());
  if (rec->state() != a.flow_state()) {
    problems.push_back(
        absl::StrCat(a.share(), " is ", dv1::FlowState_Name(rec->state()),
                     rec->last_reason().empty() ? "" : " (" + rec->last_reason() + ")",
                     ", expected ", dv1::FlowState_Name(a.flow_state())));
  }
}

// Credentials the device should and should not hold, and its push link.
void CheckHoldings(StepEnv& env, const sv1::CheckStateAction& a, const dv1::GetStateResponse& resp,
                   std::vector<std::string>& problems) {
  std::set<std::string> held;
  for (const auto& p : resp.personas()) {
    for (const auto& c : p.credentials()) held.insert(c.credential_id());
  }
  for (const auto& name : a.has_credentials()) {
    CredInfo* c = Credential(env, name);
    if (c == nullptr || !held.count(c->id)) problems.push_back(absl::StrCat("lacks ", name));
  }
  for (const auto& name : a.lacks_credentials()) {
    CredInfo* c = Credential(env, name);
    if (c != nullptr && held.count(c->id)) problems.push_back(absl::StrCat("still holds ", name));
  }
  if (a.has_push_connected() && a.push_connected() != resp.push_connected()) {
    problems.push_back(
        absl::StrCat("push_connected is ", resp.push_connected() ? "true" : "false"));
  }
}

}  // namespace

absl::StatusOr<Outcome> RunCheckStateStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::CheckStateAction& a = st.check_state();
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::GetStateRequest req;
  req.set_persona(a.persona());
  dv1::GetStateResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/GetState", "state check", env.rpc_timeout,
      [&](grpc::ClientContext* c) { return dev->GetState(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  std::vector<std::string> problems;
  if (!a.share().empty() && a.flow_state() != dv1::FLOW_STATE_UNSPECIFIED) {
    SavedShare* sp = ShareOf(env, a.share());
    if (sp == nullptr) return NoShare(a.share());
    CheckFlowState(a, *sp, resp, call.result, problems);
  }
  CheckHoldings(env, a, resp, problems);
  if (!problems.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kFailedPrecondition, "state_mismatch",
                                         absl::StrJoin(problems, "; ")));
  }
  return o;
}

}  // namespace sct::scenarios
