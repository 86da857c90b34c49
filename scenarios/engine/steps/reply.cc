// `reply`: the acting device answers in a multi-round exchange
// (DeviceAgent/Reply: key-signing request, approve, decline, complete). A
// completed exchange's credential is saved under save_as.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

absl::StatusOr<Outcome> RunReplyStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::ReplyStepAction& a = st.reply();
  SavedShare* sp = ShareOf(env, a.share());
  if (sp == nullptr) return NoShare(a.share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::ReplyRequest req;
  req.set_request_id(call.request_id);
  const std::string persona = PersonaIn(env, a.share(), st.actor(), a.persona());
  req.set_persona(persona);
  req.set_mailbox_id(s.mailbox_id);
  req.set_action(a.action());
  req.set_decline_reason(a.decline_reason());
  dv1::ReplyResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/Reply",
      absl::StrCat(dv1::ReplyAction_Name(a.action()), " on ", a.share()), env.rpc_timeout,
      [&](grpc::ClientContext* c) { return dev->Reply(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  (*call.result.mutable_details())["round"] = absl::StrCat(resp.round());
  if (!resp.credential_id().empty()) {
    env.creds.Save(a.save_as(), CredInfo{resp.credential_id(), st.actor(), persona,
                                         env.share_cred[a.share()].access_point});
  }
  return o;
}

}  // namespace sct::scenarios
